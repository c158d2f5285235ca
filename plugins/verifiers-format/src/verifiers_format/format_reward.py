"""``format``: 1.0 for the R1 shape, reasoning in one ``<think>`` block and then an answer.

Two shapes (``mode``):

- ``"r1"`` (default): ``<think>reasoning</think>answer``. Exactly one ``<think>`` and one
  ``</think>``, in that order; only whitespace before ``<think>``; a non-empty answer after
  ``</think>``; non-empty reasoning unless ``allow_empty_think``. Anything may sit inside the
  answer except another think tag (``\\boxed{}``, ``<answer>`` tags, prose).
- ``"strict"``: open-r1's template, ``<think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>``: nothing
  before ``<think>``, exactly one of each of the four tags, exactly one newline around each, a
  non-empty answer, and only whitespace after ``</answer>``.

A completion cut off inside its reasoning (no ``</think>``) scores 0, as does one with no answer
after ``</think>``. ``think_opened`` tolerates a ``<think>`` opened by the prompt or chat template
(the core's answer-region rule, :mod:`verifiers_core.text`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from verifiers_core import Batch, Reward
from verifiers_core.text import THINK_CLOSE, THINK_OPEN

from .config import FormatConfig
from .think import ANSWER_CLOSE, ANSWER_OPEN, reasoning_texts

logger = logging.getLogger("verifiers_format")


# With exactly one of each tag (checked first), greedy or lazy makes no difference here.
_STRICT = re.compile(
    r"<think>\n(?P<reasoning>.*)\n</think>\n<answer>\n(?P<answer>.*)\n</answer>\s*",
    re.DOTALL,
)


def r1_shape(text: str, *, allow_empty_think: bool = False) -> bool:
    """True for ``<think>reasoning</think>answer``: one think block first, then a non-empty answer.

    >>> r1_shape("<think>8+6=14, 2+3+1=6</think> \\\\boxed{64}")
    True
    >>> r1_shape("<think>cut off in the middle of")  # truncated: no </think>
    False
    >>> r1_shape("<think>done</think>  ")  # no answer
    False
    >>> r1_shape("<think></think> 64"), r1_shape("<think></think> 64", allow_empty_think=True)
    (False, True)
    """
    lead, found, body = text.partition(THINK_OPEN)
    if not found or lead.strip() or THINK_OPEN in body:
        return False
    reasoning, found, answer = body.partition(THINK_CLOSE)
    if not found or THINK_CLOSE in answer or not answer.strip():
        return False
    return allow_empty_think or bool(reasoning.strip())


def strict_shape(text: str, *, allow_empty_think: bool = False) -> bool:
    """True for open-r1's template ``<think>\\n…\\n</think>\\n<answer>\\n…\\n</answer>`` and nothing else.

    >>> strict_shape("<think>\\n2+2=4\\n</think>\\n<answer>\\n4\\n</answer>")
    True
    >>> strict_shape("<think>\\n2+2=4\\n</think>\\n<answer>\\n4\\n</answer>\\nand more")
    False
    """
    if any(text.count(tag) != 1 for tag in (THINK_OPEN, THINK_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)):
        return False
    match = _STRICT.fullmatch(text)
    if match is None or not match["answer"].strip():
        return False
    return allow_empty_think or bool(match["reasoning"].strip())


class FormatReward(Reward):
    """1.0 when a completion has the R1 shape (or open-r1's strict template), else 0.0.

    Works on plain and conversational completions; ``prompts`` are read only to detect a
    ``<think>`` that the prompt already opened (``think_opened="auto"``).

    >>> fmt = FormatReward()
    >>> fmt(prompts=["2+2?"] * 3, completions=[
    ...     "<think>8+6=14, 2+3+1=6</think> \\\\boxed{64}",    # the R1 shape
    ...     "<think>8+6=14, 2+3+1=6 \\\\boxed{64}",            # never closed
    ...     "<think>8+6=14</think>",                          # no answer
    ... ])
    [1.0, 0.0, 0.0]
    >>> fmt(prompts=[[{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "<think>"}]],
    ...     completions=[[{"role": "assistant", "content": "2+2=4</think> 4"}]])  # trl#6966
    [1.0]
    >>> FormatReward(mode="strict")(completions=["<think>\\n2+2=4\\n</think>\\n<answer>\\n4\\n</answer>"])
    [1.0]
    """

    __name__ = "format"
    #: ``format/prompt_opened``: rows whose <think> the prompt opened (a check that ``auto`` sees it).
    reported_counts = ("errors", "prompt_opened")

    def __init__(self, config: FormatConfig | None = None, /, **params: Any) -> None:
        self.config = FormatConfig.resolve(self.__name__, config, params)
        self.mode = self.config.mode
        self.think_opened = self.config.think_opened
        self.allow_empty_think = self.config.allow_empty_think
        self.required_columns = ()

    def score(self, batch: Batch) -> list[float | None]:
        opener = THINK_OPEN + "\n" if self.mode == "strict" else THINK_OPEN
        texts = reasoning_texts(batch, opener)
        batch.count("prompt_opened", sum(batch.think_opened or ()))
        check = strict_shape if self.mode == "strict" else r1_shape
        out: list[float | None] = []
        for i, text in enumerate(texts):
            try:
                out.append(1.0 if check(text, allow_empty_think=self.allow_empty_think) else 0.0)
            except Exception as exc:  # defensive: one odd completion must not stop training
                batch.count("errors")
                logger.warning("format failed on row %d: %r", i, exc)
                out.append(self.low)
        return out
