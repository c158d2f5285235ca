"""The ``accuracy`` and ``cosine`` rewards (built by the registry; see :mod:`verifiers_math.plugin`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from verifiers_core import Batch, Reward

from .config import AccuracyConfig, CosineConfig
from .grading import Verdict, grade

#: Events counted through TRL's ``log_metric`` as ``<reward>/<what>`` at every call (per row too).
COUNTS = ("errors", "timeouts", "memory_errors", "unusable_golds", "unparsed")
#: Which counter a verdict's event goes to (besides ``unusable_golds`` for every ``None``).
EVENT_COUNTS = {
    "timeout": "timeouts",
    "gold_timeout": "timeouts",
    "crash": "errors",
    "gold_crash": "errors",
    "gold_error": "errors",
    "memory": "memory_errors",
    "gold_memory": "memory_errors",
    "unparsed": "unparsed",
}


class AccuracyReward(Reward):
    """1.0 when the completion's final answer equals the gold answer mathematically, else 0.0;
    ``None`` when the gold cannot be used.

    Grading runs in a shared pool of warm worker processes with a hard deadline per step, so it
    behaves the same from the main thread, another thread or as an async reward. The reward holds
    only its settings: it pickles small and finds the pool of its process when called.

    >>> r = AccuracyReward(timeout=5)
    >>> r(prompts=["p"] * 4, completions=["\\\\boxed{0.5}", "#### 3", "<think>\\\\boxed{2}", "\\\\boxed{1} \\\\boxed{2}"],
    ...   solution=["\\\\frac12", "3", "2", "2"])
    [1.0, 1.0, 0.0, 0.0]
    """

    __name__ = "accuracy"
    reported_counts = COUNTS

    def __init__(self, config: AccuracyConfig | None = None, /, **params: Any) -> None:
        self.config = AccuracyConfig.resolve(self.__name__, config, params)
        self.column = self.config.column
        self.think_opened = self.config.think_opened
        self.required_columns = (self.column,)

    def warm(self) -> None:
        """Start the grading processes now (1.5-3 s once per process) rather than at the first call."""
        from .pool import default_size, get_pool

        get_pool(self.config.workers or default_size(), self.config.memory_mb).warm()

    def verdicts(self, batch: Batch) -> list[Verdict]:
        """Grade the batch's answer regions, count its events (per row too) and log the extracted answers."""
        answers = [batch.answer(i) for i in range(len(batch))]
        verdicts = grade(answers, batch.column(self.column), self.config, batch.prompts)
        for i, v in enumerate(verdicts):
            if v.value is None:
                batch.count("unusable_golds", row=i)
            what = EVENT_COUNTS.get(v.event)
            if what is not None:
                batch.count(what, row=i)
        if batch.log_extra is not None:
            batch.log_extra(f"{self.__name__}_answer", [v.answer for v in verdicts])
        return verdicts

    def score(self, batch: Batch) -> list[float | None]:
        return [v.value for v in self.verdicts(batch)]


class CosineReward(AccuracyReward):
    """Correctness scaled by completion length (tokens) on a cosine schedule, as in "Demystifying
    Long Chain-of-Thought Reasoning in LLMs" (Yeo et al., 2025).

    With ``p = min(length / max_len, 1)`` and ``c = (1 + cos(pi * p)) / 2`` (1 when empty, 0 at
    ``max_len`` and beyond): a correct answer scores ``min_value_correct + c * (max_value_correct -
    min_value_correct)`` (short and right is best), a wrong one ``max_value_wrong + c *
    (min_value_wrong - max_value_wrong)`` (short and wrong is worst, so the model is not pushed to
    give up early). ``None`` where the gold cannot be used.

    The length is ``len(completion_ids[i])`` when the trainer passes token ids (TRL always does).
    Without them it is estimated as ``ceil(characters / chars_per_token)``.

    >>> r = CosineReward(max_len=100, timeout=5)
    >>> r(prompts=["p", "p"], completions=["\\\\boxed{1}", "\\\\boxed{2}"], solution=["1", "1"],
    ...   completion_ids=[[0] * 50, [0] * 50])
    [0.75, -0.75]
    """

    __name__ = "cosine"

    config: CosineConfig

    def __init__(self, config: CosineConfig | None = None, /, **params: Any) -> None:
        super().__init__(CosineConfig.resolve(self.__name__, config, params))

    def length(self, text: str, ids: Sequence[int] | None) -> int:
        """Tokens in a completion: its ids when known, else estimated from its characters.

        >>> r = CosineReward()
        >>> r.length("abcdefgh", [1, 2, 3]), r.length("abcdefgh", None)
        (3, 2)
        """
        if ids is not None:
            try:
                return len(ids)
            except TypeError:
                pass
        return math.ceil(len(text) / self.config.chars_per_token)

    def scale(self, correct: bool, length: int) -> float:
        """The cosine-scaled value for a verdict and a length.

        >>> r = CosineReward(max_len=10)
        >>> r.scale(True, 0), r.scale(True, 10), r.scale(True, 99), r.scale(False, 0), r.scale(False, 10)
        (1.0, 0.5, 0.5, -1.0, -0.5)
        """
        schedule = self.config
        progress = min(max(length, 0) / schedule.max_len, 1.0)
        weight = 0.5 * (1.0 + math.cos(math.pi * progress))
        if correct:
            low, high = schedule.min_value_correct, schedule.max_value_correct
        else:
            low, high = schedule.max_value_wrong, schedule.min_value_wrong
        return low + weight * (high - low)

    def no_answer_value(self, batch: Batch, i: int) -> float | None:
        """A completion cut off in its reasoning is wrong, scaled by its length like any wrong one."""
        ids = batch.completion_ids[i] if batch.completion_ids is not None else None
        return self.scale(False, self.length(batch.texts[i], ids))

    def score(self, batch: Batch) -> list[float | None]:
        ids = batch.completion_ids or [None] * len(batch)
        out: list[float | None] = []
        for text, token_ids, v in zip(batch.texts, ids, self.verdicts(batch)):
            out.append(None if v.value is None else self.scale(v.value == 1.0, self.length(text, token_ids)))
        return out


__all__: Sequence[str] = ("AccuracyReward", "CosineReward")
