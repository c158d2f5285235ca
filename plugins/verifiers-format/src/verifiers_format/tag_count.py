"""``tag_count``: partial credit per well-placed tag, so a model learns the format step by step.

open-r1's ``tag_count_reward`` gives 0.25 for each of ``<think>\\n``, ``\\n</think>\\n``,
``\\n<answer>\\n`` and ``\\n</answer>`` that occurs exactly once, wherever it is. Here a tag earns
its share only when it is *well placed*:

- its bare tag (``<think>``, ``</think>``, ...) occurs exactly once in the whole text, so a second
  think block costs credit even when its newlines differ;
- it carries the template's newlines (``tags="think_answer"``, open-r1's template) -- the
  ``tags="think"`` template (the plain R1 shape) has none;
- no occurrence of an earlier tag of the template comes after it (order);
- the first tag comes first (only whitespace before it) and, with ``think_answer``, only
  whitespace follows ``</answer>``.

A ``<think>`` opened by the prompt counts as the completion's first tag, well placed (see
:mod:`verifiers_core.text`), so the same completion scores the same whichever side opens it; but a
completion after a prompt-opened ``<think>`` that never closes it wrote no tag of its own and
scores 0 (truncation is never paid).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from verifiers_core import Batch, Reward
from verifiers_core.text import THINK_CLOSE, THINK_OPEN

from .config import TagCountConfig
from .think import ANSWER_CLOSE, ANSWER_OPEN, reasoning_texts

logger = logging.getLogger("verifiers_format")


@dataclass(frozen=True)
class Tag:
    """One tag of a template: the bare tag and the newlines it must carry."""

    bare: str
    before: str = ""
    after: str = ""


#: The templates ``tag_count`` knows: open-r1's (``think_answer``) and the bare R1 shape (``think``).
TEMPLATES: dict[str, tuple[Tag, ...]] = {
    "think_answer": (
        Tag(THINK_OPEN, after="\n"),
        Tag(THINK_CLOSE, before="\n", after="\n"),
        Tag(ANSWER_OPEN, before="\n", after="\n"),
        Tag(ANSWER_CLOSE, before="\n"),
    ),
    "think": (Tag(THINK_OPEN), Tag(THINK_CLOSE)),
}


def tag_credit(text: str, template: str = "think_answer") -> float:
    """The share of the template's tags that are well placed in ``text`` (0.0 to 1.0).

    >>> tag_credit("<think>\\n2+2=4\\n</think>\\n<answer>\\n4\\n</answer>")
    1.0
    >>> tag_credit("<think>\\n2+2=4\\n</think>\\n4")  # the answer tags are missing
    0.5
    >>> tag_credit("\\n<answer>\\n4\\n</answer><think>\\nx\\n</think>\\n")  # out of order
    0.25
    >>> tag_credit("<think>8+6=14</think> 64", template="think")
    1.0
    """
    tags = TEMPLATES[template]
    credit = 0
    for i, tag in enumerate(tags):
        if text.count(tag.bare) != 1:
            continue
        at = text.find(tag.bare)
        if at < len(tag.before) or text[at - len(tag.before) : at] != tag.before:
            continue
        end = at + len(tag.bare)
        if text[end : end + len(tag.after)] != tag.after:
            continue
        if any(text.rfind(earlier.bare) > at for earlier in tags[:i]):
            continue
        if i == 0 and text[:at].strip():
            continue
        if i == len(tags) - 1 and template == "think_answer" and text[end:].strip():
            continue
        credit += 1
    return credit / len(tags)


class TagCountReward(Reward):
    """Partial credit (1/4 per tag with open-r1's template) for each well-placed format tag.

    >>> tc = TagCountReward()
    >>> tc(completions=[
    ...     "<think>\\nreasoning\\n</think>\\n<answer>\\n4\\n</answer>",   # all four tags
    ...     "<think>\\nreasoning\\n</think>\\n4",                        # two of four
    ...     [{"role": "assistant", "content": "<think>\\nreasoning"}],  # one: cut off
    ... ])
    [1.0, 0.5, 0.25]
    >>> TagCountReward(tags="think")(completions=["<think>8+6=14</think> 64", "8+6=14</think> 64"])
    [1.0, 0.5]
    """

    __name__ = "tag_count"
    #: Partial credit is about the whole completion's tags, not only its answer region.
    grades_answer = False

    def __init__(self, config: TagCountConfig | None = None, /, **params: Any) -> None:
        self.config = TagCountConfig.resolve(self.__name__, config, params)
        self.tags = self.config.tags
        self.think_opened = self.config.think_opened
        self.required_columns = ()

    def score(self, batch: Batch) -> list[float | None]:
        first = TEMPLATES[self.tags][0]
        opener = first.bare + first.after
        texts = reasoning_texts(batch, opener)
        opened = batch.think_opened or [False] * len(batch)
        out: list[float | None] = []
        for i, text in enumerate(texts):
            if opened[i] and batch.answer(i) is None:
                out.append(self.low)  # only the prompt's tag: cut off inside the reasoning
                continue
            try:
                out.append(float(tag_credit(text, self.tags)))
            except Exception as exc:  # defensive: one odd completion must not stop training
                batch.count("errors")
                logger.warning("tag_count failed on row %d: %r", i, exc)
                out.append(self.low)
        return out
