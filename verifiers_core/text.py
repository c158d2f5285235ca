"""Text helpers shared by rewards: a completion's text, who opened ``<think>``, and the answer region.

The answer-region rule, one for every reward:

- A completion's final answer is the text after its last ``</think>``.
- A completion with no think tags at all is its own answer, unless the prompt opened ``<think>``.
- When ``<think>`` was opened (by the completion, or by the prompt or chat template) and never
  closed, the completion was cut off inside its reasoning: it has **no answer**, whatever the
  unfinished reasoning contains (a ``\\boxed{}``, a fenced program). A policy must not learn to box
  early and ramble to the length limit.

Who opened ``<think>`` is the ``think_opened`` parameter that every answer-grading reward takes:

- ``"completion"``: the model writes ``<think>`` itself.
- ``"prompt"``: the prompt or chat template already opened it, for every row (DeepSeek-R1 distills,
  Qwen3 and QwQ templates end the generation prompt with ``<think>\\n``; trl#6966).
- ``"auto"`` (default): per row, from the prompt the reward receives: a plain prompt whose text ends
  with ``<think>`` (trailing whitespace ignored), or a conversational prompt whose last message is
  the assistant's (a prefill, which TRL continues) ending with ``<think>``. A *user* message ending
  in ``<think>`` does not count: the template puts the assistant header after it. Caveat: TRL
  applies the chat template *after* the reward sees a conversational prompt, so a template that
  opens ``<think>`` on its own is invisible here; set ``think_opened="prompt"`` for those.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
#: Message keys where a response parser (transformers' ``parse_response``) puts the reasoning.
REASONING_KEYS = ("reasoning_content", "thinking", "reasoning")
#: Accepted values of the ``think_opened`` parameter (see the module docstring).
THINK_OPENED_CHOICES = ("auto", "completion", "prompt")


def message_text(message: Any) -> str:
    """The text content of one chat message: string content, or the text blocks of a block list.

    >>> message_text({"role": "assistant", "content": "<think>"})
    '<think>'
    >>> message_text({"role": "user", "content": [{"type": "text", "text": "hi"}, {"type": "image"}]})
    'hi'
    >>> message_text(None), message_text("plain")
    ('', 'plain')
    """
    if not isinstance(message, dict):
        return message if isinstance(message, str) else ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            b["text"]
            if isinstance(b, dict) and isinstance(b.get("text"), str)
            else b
            if isinstance(b, str)
            else ""
            for b in content
        )
    return ""


def is_completion(value: Any) -> bool:
    """Whether ``value`` is a completion in one of TRL's forms: a string, or a list of chat messages
    (mappings whose ``content``, if any, is a string or a list of content blocks).

    >>> is_completion("4"), is_completion([{"role": "assistant", "content": "4"}]), is_completion(4)
    (True, True, False)
    >>> is_completion([{"role": "assistant", "content": 4}])
    False
    """
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(m, Mapping) and isinstance(m.get("content", ""), (str, list)) for m in value
    )


#: What a row's ``completion`` must be, in words (for error messages).
COMPLETION_FORMS = "a string or a list of {role, content} messages"


def completion_text(completion: Any) -> str:
    """Return the text of one completion in either of TRL's forms.

    Plain prompts give a string; conversational prompts give a list of messages, whose contents are
    joined. Reasoning that a response parser moved out of the text (``reasoning_content``) is put
    back between think tags, so every reward sees the completion as the model wrote it. Anything
    else (``None``, a number) is treated as empty text.

    >>> completion_text("4")
    '4'
    >>> completion_text([{"role": "assistant", "content": "<think>x</think> 4"}])
    '<think>x</think> 4'
    >>> completion_text([{"role": "assistant", "reasoning_content": "x", "content": " 4"}])
    '<think>x</think> 4'
    """
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        completion = [completion]
    if isinstance(completion, (list, tuple)):
        parts = []
        for message in completion:
            if isinstance(message, dict):
                reasoning = next(
                    (message[k] for k in REASONING_KEYS if isinstance(message.get(k), str)), None
                )
                if reasoning is not None:
                    parts.append(f"{THINK_OPEN}{reasoning}{THINK_CLOSE}")
            parts.append(message_text(message))
        return "".join(parts)
    return ""


def has_parsed_reasoning(completion: Any) -> bool:
    """Whether a response parser split the reasoning out of the text (``reasoning_content``).

    :func:`completion_text` already puts such reasoning back between think tags; the parser saw the
    whole turn, so no opener from the prompt must be added on top.

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


def opened_flags(
    think_opened: str, prompts: Sequence[Any] | None, n: int, completions: Sequence[Any] | None = None
) -> list[bool]:
    """Per row: did the prompt (or template) open ``<think>`` before the completion started?

    A completion whose reasoning a response parser split out (``reasoning_content``) was seen whole
    by the parser, so its text already holds both tags: it counts as not opened by the prompt.

    >>> opened_flags("auto", ["Q: 2+2?", "Q: 2+2? <think>\\n"], 2)
    [False, True]
    >>> opened_flags("prompt", None, 2), opened_flags("auto", None, 1)
    ([True, True], [False])
    """
    if think_opened == "prompt":
        flags = [True] * n
    elif think_opened == "completion" or prompts is None or len(prompts) != n:
        flags = [False] * n
    else:
        flags = [prompt_opens_think(p) for p in prompts]
    if completions is not None and len(completions) == n:
        flags = [f and not has_parsed_reasoning(c) for f, c in zip(flags, completions)]
    return flags


def final_answer(text: str, *, think_opened: bool = False, think_required: bool = False) -> str | None:
    """Return the final answer region of a completion, or ``None`` when it has none.

    The answer is the text after the last ``</think>``. A ``<think>`` that never closes means the
    completion was cut off inside its reasoning: there is no answer. ``think_opened=True`` says the
    prompt opened the reasoning, so a completion without ``</think>`` has no answer either. Text
    with no think tags at all is the answer itself, unless ``think_required``.

    Rewards that subclass :class:`verifiers_core.Reward` need not call this for the rule: rows with
    no answer never reach their ``score``; ``batch.answers`` holds the region of the others.

    >>> final_answer("<think>2+2</think> \\\\boxed{4}")
    ' \\\\boxed{4}'
    >>> final_answer("<think>still thinking") is None
    True
    >>> final_answer("just 4"), final_answer("reasoning, \\\\boxed{4}", think_opened=True)
    ('just 4', None)
    >>> final_answer("reasoning</think> 4", think_opened=True)
    ' 4'
    """
    close = text.rfind(THINK_CLOSE)
    if close >= 0:
        return text[close + len(THINK_CLOSE) :]
    if think_opened or think_required or THINK_OPEN in text:
        return None
    return text


def reasoning_text(text: str, opened: bool, opener: str = THINK_OPEN) -> str:
    """The completion as the model saw it: ``opener`` put in front when the prompt opened ``<think>``.

    When ``opener`` ends with a newline that the completion does not start with, the newline is
    assumed to be the prompt's (detection strips trailing whitespace).

    >>> reasoning_text("8+6=14</think> 64", True)
    '<think>8+6=14</think> 64'
    >>> reasoning_text("\\nx\\n</think>", True, opener="<think>\\n"), reasoning_text("x", False)
    ('<think>\\nx\\n</think>', 'x')
    """
    if not opened:
        return text
    if opener.endswith("\n") and text.startswith("\n"):
        opener = opener[:-1]
    return opener + text
