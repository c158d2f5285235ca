"""Where the reasoning starts: who opened ``<think>``, and the text the format rewards check.

A chat template may open the reasoning itself (DeepSeek-R1 distills, Qwen3 in thinking mode end
the generation prompt with ``<think>\\n``): the completion then starts *inside* the reasoning and
contains only the closing ``</think>`` (trl#6966). The format rewards check the text as the model
sees it, so for such a completion they put a virtual ``<think>`` in front of it.

``think_opened`` says who opens the tag:

- ``"completion"``: the model writes ``<think>`` itself.
- ``"prompt"``: the prompt or chat template already opened it, for every row.
- ``"auto"``: per row, from the prompt the reward receives: a plain prompt whose text ends with
  ``<think>`` (trailing whitespace ignored), or a conversational prompt whose last message is the
  assistant's (a prefill, which TRL continues with ``continue_final_message``) and ends with
  ``<think>``. A *user* message ending in ``<think>`` does not count: the template puts the
  assistant header after it, so the model still has to open the tag. Caveat: for conversational
  prompts the trainer applies the chat template *after* the reward sees the prompt, so a template
  that opens ``<think>`` on its own is invisible here; set ``think_opened="prompt"`` for those.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from verifiers_core.text import REASONING_KEYS, THINK_OPEN

ANSWER_OPEN = "<answer>"
ANSWER_CLOSE = "</answer>"

#: Accepted values of the ``think_opened`` parameter.
THINK_OPENED_CHOICES = ("auto", "completion", "prompt")


def check_think_opened(reward: str, value: str) -> str:
    """Validate ``think_opened`` for rewards built directly (the registry checks it already).

    >>> check_think_opened("format", "maybe")
    Traceback (most recent call last):
    ...
    ValueError: format: think_opened must be one of ('auto', 'completion', 'prompt'), got 'maybe'
    """
    if value not in THINK_OPENED_CHOICES:
        raise ValueError(f"{reward}: think_opened must be one of {THINK_OPENED_CHOICES}, got {value!r}")
    return value


def message_text(message: Any) -> str:
    """The text content of one chat message (string content, or the text blocks of a block list).

    >>> message_text({"role": "assistant", "content": "<think>"})
    '<think>'
    >>> message_text({"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image"}]})
    'hi'
    >>> message_text(None)
    ''
    """
    if not isinstance(message, dict):
        return message if isinstance(message, str) else ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b["text"] for b in content if isinstance(b, dict) and isinstance(b.get("text"), str))
    return ""


def prompt_opens_think(prompt: Any) -> bool:
    """True when the model starts generating inside a ``<think>`` that the prompt opened.

    >>> prompt_opens_think("<|im_start|>assistant\\n<think>\\n")
    True
    >>> prompt_opens_think([{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>"}])
    True
    >>> prompt_opens_think([{"role": "user", "content": "Start with <think>"}])  # the model opens it
    False
    >>> prompt_opens_think(None)
    False
    """
    if isinstance(prompt, str):
        tail = prompt
    elif isinstance(prompt, (list, tuple)) and prompt and isinstance(prompt[-1], dict):
        if prompt[-1].get("role") != "assistant":
            return False
        tail = message_text(prompt[-1])
    else:
        return False
    return tail.rstrip().endswith(THINK_OPEN)


def has_parsed_reasoning(completion: Any) -> bool:
    """Whether a response parser split the reasoning out of the text (``reasoning_content``).

    The core's ``completion_text`` already puts such reasoning back between think tags; the parser
    saw the whole turn, so no opener from the prompt must be added on top.

    >>> has_parsed_reasoning([{"role": "assistant", "reasoning_content": "2+2=4", "content": "4"}])
    True
    >>> has_parsed_reasoning([{"role": "assistant", "content": "<think>x</think> 4"}])
    False
    """
    messages = [completion] if isinstance(completion, dict) else completion
    if not isinstance(messages, (list, tuple)):
        return False
    return any(
        isinstance(m, dict) and any(isinstance(m.get(k), str) for k in REASONING_KEYS) for m in messages
    )


def opened_flags(think_opened: str, prompts: Sequence[Any] | None, n: int) -> list[bool]:
    """Per row: did the prompt open ``<think>``? (See the module docstring for the modes.)

    >>> opened_flags("auto", ["Q: 2+2?", "Q: 2+2? <think>\\n"], 2)
    [False, True]
    >>> opened_flags("prompt", None, 2), opened_flags("auto", None, 1)
    ([True, True], [False])
    """
    if think_opened == "prompt":
        return [True] * n
    if think_opened == "completion" or prompts is None or len(prompts) != n:
        return [False] * n
    return [prompt_opens_think(p) for p in prompts]


def reasoning_texts(
    texts: Sequence[str],
    completions: Sequence[Any] | None,
    prompts: Sequence[Any] | None,
    think_opened: str,
    opener: str = THINK_OPEN,
) -> list[str]:
    """The texts the format rewards check: each completion, with ``opener`` put in front of it when
    the prompt opened the reasoning, or rebuilt from parsed reasoning fields.

    When the prompt opened the tag and ``opener`` ends with a newline that the completion does not
    start with, the newline is assumed to be the prompt's (it was stripped when detecting).

    >>> reasoning_texts(["8+6=14</think> 64"], None, ["... assistant\\n<think>"], "auto")
    ['<think>8+6=14</think> 64']
    >>> reasoning_texts(["\\nx\\n</think>"], None, None, "prompt", opener="<think>\\n")
    ['<think>\\nx\\n</think>']
    """
    flags = opened_flags(think_opened, prompts, len(texts))
    out: list[str] = []
    for i, (text, opened) in enumerate(zip(texts, flags)):
        if completions is not None and has_parsed_reasoning(completions[i]):
            out.append(text)  # rebuilt by the core from the parser's fields, prompt's opener included
        elif opened:
            prefix = opener
            if opener.endswith("\n") and text.startswith("\n"):
                prefix = opener[:-1]
            out.append(prefix + text)
        else:
            out.append(text)
    return out
