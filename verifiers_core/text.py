"""Text helpers shared by rewards: completion text and the final answer after ``</think>``."""

from __future__ import annotations

from typing import Any

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
#: Message keys where a response parser (transformers' ``parse_response``) puts the reasoning.
REASONING_KEYS = ("reasoning_content", "thinking", "reasoning")


def completion_text(completion: Any) -> str:
    """Return the text of one completion in either of TRL's forms.

    Plain prompts give a string; conversational prompts give a list of messages, whose assistant
    contents are joined. Reasoning that a response parser moved out of the text
    (``reasoning_content``) is put back between think tags, so every reward sees the completion as
    the model wrote it. Anything else (``None``, a number) is treated as empty text.

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
                content = message.get("content")
                if isinstance(content, str):
                    parts.append(content)
                elif isinstance(content, list):  # content blocks: keep the text ones
                    parts.extend(
                        b.get("text", "")
                        for b in content
                        if isinstance(b, dict) and isinstance(b.get("text"), str)
                    )
            elif isinstance(message, str):
                parts.append(message)
        return "".join(parts)
    return ""


def final_answer(text: str, *, think_required: bool = False) -> str | None:
    """Return the final answer: the text after the last ``</think>``.

    A ``<think>`` that never closes means the completion was cut off (or never finished
    reasoning): there is no final answer and ``None`` is returned. Text with no think tags at all is
    the answer itself, unless ``think_required``.

    >>> final_answer("<think>2+2</think> \\\\boxed{4}")
    ' \\\\boxed{4}'
    >>> final_answer("<think>still thinking") is None
    True
    >>> final_answer("just 4")
    'just 4'
    """
    close = text.rfind(THINK_CLOSE)
    if close >= 0:
        return text[close + len(THINK_CLOSE) :]
    if THINK_OPEN in text or think_required:
        return None
    return text
