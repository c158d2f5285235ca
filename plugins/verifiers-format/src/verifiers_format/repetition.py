"""``repetition``: the n-gram repetition penalty of "Demystifying Long Chain-of-Thought Reasoning"
(Appendix C.2), as TRL and open-r1 define it::

    penalty = max_penalty * (1 - unique n-grams / all n-grams)

0.0 for a completion with no repeated n-gram (or fewer than ``n`` units), approaching
``max_penalty`` (negative) for one that repeats itself throughout. The units are the completion's
token ids when the trainer passes ``completion_ids`` (TRL always does), else its lower-cased
whitespace-separated words (open-r1's split); ``unit`` forces one or the other.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from typing import Any

from verifiers_core import Batch, MissingColumnError, Reward

from .config import RepetitionConfig

logger = logging.getLogger("verifiers_format")


def ngram_penalty(units: Sequence[Hashable], n: int, max_penalty: float) -> float:
    """``max_penalty * (1 - unique/total)`` over the n-grams of ``units``; 0.0 below ``n`` units.

    >>> ngram_penalty([1, 2, 3, 4], 2, -1.0)
    0.0
    >>> ngram_penalty([5, 5, 5, 5, 5], 2, -1.0)  # 4 bigrams, 1 unique
    -0.75
    >>> round(ngram_penalty("the cat the cat".split(), 2, -0.5), 4)  # 3 bigrams, 2 unique
    -0.1667
    """
    units = list(units)
    total = len(units) - n + 1
    if total <= 0:
        return 0.0
    unique = len({tuple(units[i : i + n]) for i in range(total)})
    repeated = 1.0 - unique / total
    return repeated * max_penalty if repeated > 0 else 0.0  # never -0.0


def words(text: str) -> list[str]:
    """open-r1's word split: lower-cased, on whitespace.

    >>> words("The cat  sat\\nthe CAT")
    ['the', 'cat', 'sat', 'the', 'cat']
    """
    return text.lower().split()


class RepetitionReward(Reward):
    """N-gram repetition penalty in ``[max_penalty, 0]``, over token ids or words.

    >>> rep = RepetitionReward(n=2, max_penalty=-1.0)
    >>> rep(completions=["a b c d", "b b b b b"], completion_ids=[[1, 2, 3, 4], [5, 5, 5, 5, 5]])
    [0.0, -0.75]
    >>> rep(completions=[[{"role": "assistant", "content": "go go go go go"}]])  # no ids: words
    [-0.75]
    """

    __name__ = "repetition"
    #: A penalty on the whole completion (truncated ones included), not a grade of its answer.
    grades_answer = False

    def __init__(self, config: RepetitionConfig | None = None, /, **params: Any) -> None:
        self.config = RepetitionConfig.resolve(self.__name__, config, params)
        self.n = self.config.n
        self.max_penalty = self.config.max_penalty
        self.unit = self.config.unit
        self.low = self.max_penalty
        self.required_columns = ()

    def score(self, batch: Batch) -> list[float | None]:
        ids = batch.completion_ids
        if self.unit == "tokens":
            missing = [i for i in range(len(batch)) if ids is None or ids[i] is None]
            if missing:
                raise MissingColumnError(
                    f"reward {self.__name__!r} has unit='tokens' but completion_ids are missing for "
                    f"rows {missing[:10]}{' ...' if len(missing) > 10 else ''}; pass completion_ids "
                    "(TRL's GRPOTrainer always does) or set unit='auto' or 'words'"
                )
        out: list[float | None] = []
        for i, text in enumerate(batch.texts):
            try:
                row_ids = ids[i] if ids is not None and self.unit != "words" else None
                if hasattr(row_ids, "tolist"):  # a tensor row: its elements hash by identity
                    row_ids = row_ids.tolist()
                units = list(row_ids) if row_ids is not None else words(text)
                out.append(ngram_penalty(units, self.n, self.max_penalty))
            except Exception as exc:  # e.g. unhashable ids: count it, do not stop training
                batch.count("errors")
                logger.warning("repetition failed on row %d: %r", i, exc)
                out.append(self.low)
        return out
