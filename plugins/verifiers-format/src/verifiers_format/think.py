"""The text the format rewards check: the completion as the model saw it.

Who opened ``<think>`` (``think_opened``) and where the answer is are the core's one rule
(:mod:`verifiers_core.text`); the base class computes ``batch.think_opened`` once per row. A
completion after a ``<think>`` that the prompt or chat template opened (trl#6966) starts *inside*
the reasoning and holds only ``</think>``; the format rewards check it with a virtual ``<think>``
in front.
"""

from __future__ import annotations

from verifiers_core import Batch
from verifiers_core.text import THINK_OPEN, reasoning_text

ANSWER_OPEN = "<answer>"
ANSWER_CLOSE = "</answer>"


def reasoning_texts(batch: Batch, opener: str = THINK_OPEN) -> list[str]:
    """The texts the format rewards check: each completion, with ``opener`` put in front of it when
    the prompt opened the reasoning.

    >>> from verifiers_format.format_reward import FormatReward
    >>> b = FormatReward().make_batch(["8+6=14</think> 64", "<think>x</think> 1"], prompts=["Q <think>", "Q"])
    >>> reasoning_texts(b)
    ['<think>8+6=14</think> 64', '<think>x</think> 1']
    """
    opened = batch.think_opened or [False] * len(batch)
    return [reasoning_text(text, flag, opener) for text, flag in zip(batch.texts, opened)]
