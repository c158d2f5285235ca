"""Offline scoring of JSONL rows with selected rewards (``python -m verifiers_core score``), through
the one scoring path (:class:`~verifiers_core.suite.RewardSuite`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TextIO

from .jsonl_input import DEFAULT_MAX_LINE_BYTES, RowError, read_rows
from .jsonl_output import RowSink
from .suite import RewardSuite


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
    source: BinaryIO | Iterable[bytes | str],
    sink: RowSink | TextIO,
    *,
    batch_size: int = 256,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    batch_bytes: int = DEFAULT_MAX_LINE_BYTES,
    progress: bool | None = None,
    total: int | None = None,
    on_skip: Callable[[RowError], None] | None = None,
    stats: list[RewardStats] | None = None,
) -> tuple[list[RewardStats], list[RowError], int]:
    """Score every row of ``source`` (JSONL) into ``sink``; returns stats, bad rows, rows written.

    Rows are scored ``batch_size`` at a time (fewer when they hold more than ``batch_bytes`` of input,
    so that memory stays bounded) and each batch is written (and flushed) as soon as it is scored. A line that cannot be a row is passed to ``on_skip`` when it is read, and skipped.
    ``total`` (the input's size in bytes) sizes the progress bar. Pass ``stats`` to keep the
    counters of a run that is interrupted.

    >>> import io, json
    >>> from verifiers_core.selection import ResolvedRewards
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> out, suite = io.StringIO(), RewardSuite(ResolvedRewards([ExactAnswer()], [1.0]))
    >>> stats, bad, n = score_stream(suite, io.BytesIO(b'{"completion": "4", "solution": "4"}\\n\\xff\\n'), out)
    >>> json.loads(out.getvalue())["rewards"], n, bad
    ({'exact_answer': 1.0}, 1, [RowError(line=2, reason='not valid UTF-8 (byte 0xff at byte 1)')])
    """
    from tqdm import tqdm

    if not isinstance(sink, RowSink):
        sink = _TextSink(sink)
    stats = stats if stats is not None else [RewardStats(key) for key in suite.keys]
    bad: list[RowError] = []
    binary = hasattr(source, "readline") and not hasattr(source, "encoding")
    counted = _CountingStream(source) if binary else None  # type: ignore[arg-type]

    def good_rows() -> Iterator[tuple[tuple[dict[str, Any], bytes | None], int]]:
        for _, row, size, line in read_rows(counted or source, max_line_bytes, with_lines=True):  # type: ignore[arg-type]
            if isinstance(row, RowError):
                bad.append(row)
                if on_skip is not None:
                    on_skip(row)
            else:
                # The input line is kept to be written back as it is, with the scores appended (see
                # encode_row); a row that already holds scores is re-encoded instead.
                keep = line is not None and "rewards" not in row and "total_reward" not in row
                yield (row, line if keep else None), size

    with tqdm(
        total=total,
        unit="B",
        unit_scale=True,
        disable=not progress if progress is not None else None,
        leave=False,
    ) as bar:
        for chunk in _chunks(good_rows(), batch_size, max(batch_bytes, max_line_bytes)):
            rows = [row for row, _ in chunk]
            score_batch(suite, rows, stats)
            sink.write_rows(rows, [line for _, line in chunk])
            if counted is not None:
                bar.update(counted.read_bytes - bar.n)
    return stats, bad, sink.rows


def _chunks(rows: Iterable[tuple[Any, int]], size: int, max_bytes: int) -> Iterator[list[Any]]:
    """Batches of at most ``size`` rows and (past the first row) ``max_bytes`` of input.

    >>> [len(c) for c in _chunks([("r", 10)] * 5, size=2, max_bytes=100)], [len(c) for c in _chunks([("r", 60)] * 3, 9, 100)]
    ([2, 2, 1], [1, 1, 1])
    """
    chunk: list[Any] = []
    held = 0
    for row, nbytes in rows:
        if chunk and held + nbytes > max_bytes:
            yield chunk
            chunk, held = [], 0
        chunk.append(row)
        held += nbytes
        if len(chunk) >= size:
            yield chunk
            chunk, held = [], 0
    if chunk:
        yield chunk


class _CountingStream:
    """A binary stream that counts the bytes read from it (for the progress bar)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.read_bytes = stream, 0

    def readline(self, limit: int = -1) -> bytes:
        line = self.stream.readline(limit)
        self.read_bytes += len(line)
        return line


class _TextSink(RowSink):
    """Rows written to a text stream (``io.StringIO`` in examples and tests)."""

    label = "the text stream"

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream

    def _write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))


__all__ = ["RewardStats", "RowError", "read_rows", "score_batch", "score_stream"]
