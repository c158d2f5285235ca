"""Offline scoring of JSONL rows with selected rewards (``python -m verifiers_core score``), through
the one scoring path (:class:`~verifiers_core.suite.RewardSuite`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from .suite import RewardSuite


@dataclass
class RowError:
    """A line of the input that could not be scored, and why."""

    line: int
    reason: str


@dataclass
class RewardStats:
    """Summary of one reward over a scoring run."""

    name: str
    values: list[float] = field(default_factory=list)
    nones: int = 0
    errors: int = 0
    seconds: float = 0.0
    counts: Counter = field(default_factory=Counter)

    @property
    def mean(self) -> float | None:
        return sum(self.values) / len(self.values) if self.values else None

    def line(self) -> str:
        """One human-readable summary line.

        >>> RewardStats("acc", [1.0, 0.0], nones=1).line()
        'acc: mean 0.5000 over 2 scored, 1 None, 0 errors, 0.00 s'
        """
        mean = "n/a" if self.mean is None else f"{self.mean:.4f}"
        extra = "".join(f", {k} {v:g}" for k, v in sorted(self.counts.items()) if v and k != "errors")
        return (
            f"{self.name}: mean {mean} over {len(self.values)} scored, {self.nones} None, "
            f"{self.errors} errors{extra}, {self.seconds:.2f} s"
        )


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """Parse JSONL lines into rows; malformed lines become :class:`RowError` with their line number.

    >>> [r for _, r in read_rows(['{"completion": "4"}', 'oops', '', '{"prompt": "p"}'])]  # doctest: +ELLIPSIS
    [{'completion': '4'}, RowError(line=2, reason='not valid JSON: ...'), RowError(line=4, reason="no 'completion' key")]
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, RowError(number, f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(row, dict):
            yield number, RowError(number, f"a row must be a JSON object, got {type(row).__name__}")
        elif "completion" not in row:
            yield number, RowError(number, "no 'completion' key")
        elif not _is_completion(row["completion"]):
            yield (
                number,
                RowError(number, "'completion' must be a string or a list of {role, content} messages"),
            )
        else:
            yield number, row


def _is_completion(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(
        isinstance(m, dict) and isinstance(m.get("content", ""), (str, list)) for m in value
    )


def _chunks(rows: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_batch(suite: RewardSuite, rows: list[dict[str, Any]], stats: list[RewardStats]) -> None:
    """Score ``rows`` in place (adds ``rewards`` and ``total_reward``), updating ``stats``.

    A reward that raises on the batch (other than a missing column, which is the user's to fix)
    leaves ``null`` for those rows and is counted as errors.
    """
    result = suite.score_rows(rows)
    for outcome, stat in zip(result.outcomes, stats):
        stat.seconds += outcome.seconds
        counts = Counter(outcome.counts)
        stat.errors += int(counts.pop("errors", 0))
        if outcome.failure is not None:
            stat.counts[f"batch failure: {outcome.failure}"[:200]] += 1
        stat.counts.update(counts)
        for v in outcome.values:
            if v is None:
                stat.nones += 1
            else:
                stat.values.append(v)
    for row, scored in zip(rows, result.rows):
        row["rewards"] = scored.rewards
        row["total_reward"] = scored.total


def score_stream(
    suite: RewardSuite,
    source: TextIO,
    sink: TextIO,
    *,
    batch_size: int = 256,
    progress: bool | None = None,
    total: int | None = None,
) -> tuple[list[RewardStats], list[RowError], int]:
    """Score every row of ``source`` (JSONL) into ``sink``; returns stats, bad rows, rows scored.

    >>> import io
    >>> from verifiers_core.selection import ResolvedRewards
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> out, suite = io.StringIO(), RewardSuite(ResolvedRewards([ExactAnswer()], [1.0]))
    >>> stats, bad, n = score_stream(suite, io.StringIO('{"completion": "4", "solution": "4"}\\n'), out)
    >>> json.loads(out.getvalue())["rewards"], n
    ({'exact_answer': 1.0}, 1)
    """
    from tqdm import tqdm

    stats = [RewardStats(key) for key in suite.keys]
    bad: list[RowError] = []
    scored = 0

    def good_rows() -> Iterator[dict[str, Any]]:
        for _, row in read_rows(source):
            if isinstance(row, RowError):
                bad.append(row)
            else:
                yield row

    with tqdm(
        total=total, unit="row", disable=not progress if progress is not None else None, leave=False
    ) as bar:
        for chunk in _chunks(good_rows(), batch_size):
            score_batch(suite, chunk, stats)
            for row in chunk:
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
            scored += len(chunk)
            bar.update(len(chunk))
    return stats, bad, scored
