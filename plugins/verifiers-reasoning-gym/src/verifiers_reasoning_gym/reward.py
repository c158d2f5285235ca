"""The ``reasoning_gym`` reward: any reasoning-gym task's row, scored from its columns alone.

Per row: the answer is read from the final answer region (:mod:`.extract`; rows cut off inside
their reasoning never get here: the core scores them ``low``), the task comes from the metadata's
``source_dataset``, and the task's own check runs in a scoring process (:mod:`.pool`,
:mod:`.scoring`). This process never imports reasoning-gym or sympy.

Values: 1.0 or 0.0 with ``credit="binary"`` (default), the task scorer's values in [0, 1]
otherwise. ``None`` for a row whose metadata is unusable (not JSON, no ``source_dataset``, an
unknown task): that is the dataset's fault, not the completion's, and it is counted.

Counters (``reasoning_gym/<what>`` through ``log_metric``): ``empty_answers``, ``long_answers``,
``scorer_errors`` (the task's scorer raised on the answer: scored 0.0), ``timeouts``, ``crashes``,
``bad_rows``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from verifiers_core import Batch, Reward

from .config import ReasoningGymConfig
from .extract import extract_answer

logger = logging.getLogger("verifiers_reasoning_gym")


class ReasoningGymReward(Reward):
    """Score reasoning-gym rows (``answer`` and ``metadata`` columns) with each task's own check.

    >>> reward = ReasoningGymReward(workers=1)
    >>> metadata = '{"source_dataset": "basic_arithmetic", "source_index": 0, "source_config": {}}'
    >>> reward(prompts=["p", "p", "p"], completions=["<think>3+4</think> <answer>7</answer>",
    ...        "<think>..</think> \\\\boxed{7}", "<think>..</think> 7 or 8"],
    ...        answer=["7"] * 3, metadata=[metadata] * 3)
    [1.0, 1.0, 0.0]
    """

    __name__ = "reasoning_gym"
    reported_counts = ("errors", "empty_answers", "scorer_errors", "timeouts", "crashes", "bad_rows")

    def __init__(self, config: ReasoningGymConfig | None = None, /, **params: Any) -> None:
        self.config = config = ReasoningGymConfig.resolve(self.__name__, config, params)
        self.credit = config.credit
        self.answer_column = config.answer_column
        self.metadata_column = config.metadata_column
        self.think_opened = config.think_opened
        self.timeout = config.timeout
        self.workers = config.workers
        self.memory_mb = config.memory_mb
        self.max_answer_chars = config.max_answer_chars
        self.required_columns = (config.answer_column, config.metadata_column)

    def _request(self, batch: Batch, i: int) -> dict[str, Any] | str:
        """The scoring request for row ``i``, or the counter that settles it without one."""
        raw = batch.columns[self.metadata_column][i]
        try:
            metadata = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            return "bad_rows"
        if not isinstance(metadata, dict) or not isinstance(metadata.get("source_dataset"), str):
            return "bad_rows"
        answer = extract_answer(batch.answer(i) or "")
        if not answer:
            return "empty_answers"
        if len(answer) > self.max_answer_chars:
            return "long_answers"
        return {
            "task": metadata["source_dataset"],
            "answer": answer,
            "gold": batch.columns[self.answer_column][i],
            "metadata": metadata,
            "credit": self.credit,
        }

    def score(self, batch: Batch) -> list[float | None]:
        from .pool import get_pool

        values: list[float | None] = [self.low] * len(batch)
        requests, rows = [], []
        for i in range(len(batch)):
            request = self._request(batch, i)
            if isinstance(request, str):
                batch.count(request, row=i)
                if request == "bad_rows":
                    values[i] = None
                    logger.warning(
                        "reasoning_gym: row %d has no usable metadata (a JSON object with source_dataset)", i
                    )
                continue
            requests.append(request)
            rows.append(i)
        if not requests:
            return values
        results = get_pool(self.workers, self.memory_mb).run(requests, self.timeout)
        for i, result in zip(rows, results):
            if result.status == "ok":
                values[i] = result.value
            elif result.status == "bad_row":
                values[i] = None
                batch.count("bad_rows", row=i)
                logger.warning("reasoning_gym: row %d: %s", i, result.detail)
            else:
                what = {"error": "scorer_errors", "timeout": "timeouts", "crash": "crashes"}[result.status]
                batch.count(what, row=i)
        return values
