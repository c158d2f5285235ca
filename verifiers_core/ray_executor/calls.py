"""What one remote reward call carries, and what it gives back: inputs by row, chunk attempts,
the assembled result, and the timeout value of rows that could not be scored remotely."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..reward import Reward
from .actor import ChunkResult


@dataclass
class Payload:
    """One reward call's inputs, aligned row by row.

    >>> Payload(["a", "b", "c"], None, None, {"gold": [1, 2, 3], "k": 7}).rows(range(1, 3))
    (['b', 'c'], None, None, {'gold': [2, 3], 'k': 7})
    """

    completions: list[Any]
    prompts: list[Any] | None
    completion_ids: list[Any] | None
    columns: dict[str, Any]

    @property
    def n(self) -> int:
        return len(self.completions)

    def rows(self, r: range) -> tuple[list[Any], list[Any] | None, list[Any] | None, dict[str, Any]]:
        """The slice of every input for the rows in ``r`` (values that are not columns, as they are)."""
        n = self.n
        columns = {
            k: (v[r.start : r.stop] if isinstance(v, (list, tuple)) and len(v) == n else v)
            for k, v in self.columns.items()
        }
        return (
            self.completions[r.start : r.stop],
            None if self.prompts is None else self.prompts[r.start : r.stop],
            None if self.completion_ids is None else self.completion_ids[r.start : r.stop],
            columns,
        )


@dataclass
class CallResult:
    """One call's outcome: values in order, counters (per call and per row), ``log_extra`` columns
    and the executor's metrics (chunk latency, queue depth per actor)."""

    values: list[float | None]
    counts: Counter = field(default_factory=Counter)
    row_counts: dict[int, Counter] = field(default_factory=dict)
    extras: dict[str, list[Any]] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class CallStats:
    """What happened to one call's chunks, for its counters and metrics."""

    retries: int = 0
    timeout_rows: int = 0
    restarts: int = 0
    latencies: list[float] = field(default_factory=list)
    depth: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class Outcome:
    """How one attempt ended: a result, or a failure that did (``charged``) or did not use up a try."""

    ok: bool
    result: ChunkResult | None = None
    charged: bool = False  # it was running when its actor failed
    reason: str = ""


@dataclass(eq=False)
class Attempt:
    """One chunk sent to one actor; ``active`` until its outcome is decided (a later answer is ignored)."""

    rows: range
    stats: CallStats
    fut: asyncio.Future
    submitted: float
    started: float | None = None
    active: bool = True
    timer: asyncio.TimerHandle | None = None

    def settle(self, outcome: Outcome) -> None:
        """Decide this attempt (once); the waiting chunk takes the outcome."""
        self.active = False
        if self.timer is not None:
            self.timer.cancel()
        if not self.fut.done():
            self.fut.set_result(outcome)


def assemble(n: int, chunks: Sequence[range], results: Sequence[ChunkResult], stats: CallStats) -> CallResult:
    """The call's result from its chunks' results (row counters moved to the call's row numbers).

    >>> r = assemble(3, [range(0, 2), range(2, 3)],
    ...              [ChunkResult([1.0, 0.0], {"errors": 0.0}), ChunkResult([None], row_counts={0: {"x": 1.0}})],
    ...              CallStats(retries=1))
    >>> r.values, dict(r.row_counts), r.counts["ray_retries"], r.metrics["ray/chunks"]
    ([1.0, 0.0, None], {2: Counter({'x': 1.0})}, 1, 2.0)
    """
    out = CallResult([None] * n)
    for r, result in zip(chunks, results):
        out.values[r.start : r.stop] = result.values
        out.counts.update(result.counts)
        for j, counts in result.row_counts.items():
            out.row_counts.setdefault(r.start + int(j), Counter()).update(counts)
        for column, values in result.extras.items():
            out.extras.setdefault(column, [None] * n)[r.start : r.stop] = values
    out.counts["ray_retries"] += stats.retries
    out.counts["ray_timeouts"] += stats.timeout_rows
    out.counts["ray_actor_restarts"] += stats.restarts
    if stats.latencies:
        out.metrics["ray/chunk_seconds_mean"] = sum(stats.latencies) / len(stats.latencies)
        out.metrics["ray/chunk_seconds_max"] = max(stats.latencies)
    out.metrics["ray/chunks"] = float(len(chunks))
    for key, depths in sorted(stats.depth.items()):
        out.metrics[f"ray/actor{key}/queue_depth"] = sum(depths) / len(depths)
    return out


def timeout_result(local: Any, args: tuple[Any, ...]) -> ChunkResult:
    """Rows that could not be scored remotely: each gets the reward's timeout value, counted per row.

    The value is ``timeout_value(batch, i)`` where the reward defines it, else its
    :meth:`~verifiers_core.Reward.no_answer_value` (``low``; ``cosine`` scales it by length), the
    value in-process scoring gives a completion it could not grade in time.

    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> timeout_result(ExactAnswer(), (["4", "5"], None, None, {"solution": ["4", "4"]})).values
    [0.0, 0.0]
    """
    completions, prompts, completion_ids, columns = args
    n = len(completions)
    if isinstance(local, Reward):
        batch = local.make_batch(completions, prompts=prompts, completion_ids=completion_ids, columns=columns)
        value_of = getattr(local, "timeout_value", None) or local.no_answer_value
        values = [value_of(batch, i) for i in range(n)]
    else:
        values = [float(getattr(local, "low", 0.0))] * n
    return ChunkResult(values=values, row_counts={i: {"ray_timeouts": 1.0} for i in range(n)})


def raised_by_reward(exc: BaseException) -> bool:
    """Whether a failed call means the reward itself raised (not that its actor or result was lost).

    >>> raised_by_reward(RuntimeError("x"))
    False
    """
    from ray.exceptions import RayActorError, RayTaskError

    return isinstance(exc, RayTaskError) and not isinstance(exc, RayActorError)


def unwrap(exc: BaseException) -> BaseException:
    """A reward's own exception raised on the actor, as an instance of its original class.

    >>> type(unwrap(ValueError("plain")))
    <class 'ValueError'>
    """
    try:
        return exc.as_instanceof_cause()  # type: ignore[attr-defined]
    except Exception:
        return exc


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def reason(exc: BaseException) -> str:
    """One line saying why a call failed: for an actor whose start raised, that exception's own line.

    >>> reason(RuntimeError("The actor died\\n  File x\\nverifiers_core.errors.UnknownRewardError: unknown reward 'x'"))
    'RuntimeError: The actor died'
    """
    lines = [line.strip() for line in _ANSI.sub("", str(exc)).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if getattr(exc, "actor_init_failed", False):
        return lines[-1][:500]
    return f"{type(exc).__name__}: {lines[0]}"[:300]


__all__ = [
    "Attempt",
    "CallResult",
    "CallStats",
    "Outcome",
    "Payload",
    "assemble",
    "raised_by_reward",
    "reason",
    "timeout_result",
    "unwrap",
]
