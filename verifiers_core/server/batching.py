"""The bounded queue between HTTP requests and the scorers, merging requests into batches.

OpenRLHF and slime send one sample per request, many at once: scored one by one, the rewards' pools
would run one task at a time. So the queue hands a free scorer every waiting request that fits in
``max_batch_rows`` at once (no timer: requests merge while the scorers are busy, and an idle server
answers at once). A request's rows stay together and in order; each request gets exactly its own
rows' scores back. Requests merge only with requests whose rows all (or all not) carry
``completion_ids``, since the suite uses token ids only when every row of a call has them.

Limits: at most ``max_queue_rows`` rows wait; a request that does not fit raises :class:`QueueFull`
(answered 429 with ``Retry-After``). A request whose client went away is dropped if it is still
waiting (:meth:`ScoringQueue.cancel`); a batch already running finishes.

Failures: when a scorer dies mid-batch, a batch of several requests is retried request by request
(so one poisonous row does not cost the others); rows whose scorer died or overran the deadline
get each reward's ``low`` value, counted as ``<reward>/errors`` or ``<reward>/timeouts``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..suite import RowScore, SuiteResult

logger = logging.getLogger("verifiers_core.server")


class QueueFull(Exception):
    """No room for a request's rows; ``retry_after`` is the suggested wait in seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Scores:
    """What a request gets back: one :class:`RowScore` per row, and counters that rewards did not
    attribute to rows (only when its batch held this request alone; else they go to metrics)."""

    rows: list[RowScore]
    unattributed: Counter = field(default_factory=Counter)


@dataclass(eq=False)
class Ticket:
    """One request's rows waiting in the queue."""

    rows: list[dict[str, Any]]
    future: asyncio.Future
    with_ids: bool
    queued_at: float = field(default_factory=time.monotonic)


@dataclass
class Fallback:
    """Each reward's key, weight and ``low`` value: what a row gets when its scorer is lost."""

    keys: list[str]
    weights: list[float]
    lows: list[float]

    def rows(self, n: int, event: str) -> list[RowScore]:
        """``n`` rows valued ``low`` by every reward, each counted once as ``<key>/<event>``.

        >>> Fallback(["accuracy", "format"], [1.0, 0.5], [0.0, 0.0]).rows(1, "timeouts")[0].counts
        {'accuracy/timeouts': 1.0, 'format/timeouts': 1.0}
        """
        total = math.fsum(w * low for w, low in zip(self.weights, self.lows)) if self.keys else None
        return [
            RowScore(
                total,
                dict(zip(self.keys, self.lows)),
                {f"{key}/{event}": 1.0 for key in self.keys},
            )
            for _ in range(n)
        ]


class ScoringQueue:
    """Queue requests' rows, merge them into batches, score them on a :class:`ScorerPool`."""

    def __init__(
        self,
        scorers: Any,
        fallback: Fallback,
        *,
        max_queue_rows: int,
        max_batch_rows: int,
        concurrency: int,
        on_batch: Callable[[SuiteResult | None, int, str], None] | None = None,
        on_restarts: Callable[[str, int], None] | None = None,
    ) -> None:
        self.scorers = scorers
        self.fallback = fallback
        self.max_queue_rows = max_queue_rows
        self.max_batch_rows = max_batch_rows
        self.on_batch = on_batch
        self.on_restarts = on_restarts
        self.queued_rows = 0
        self.running_rows = 0
        self.cancelled_rows = 0
        self._queue: deque[Ticket] = deque()
        self._slots = asyncio.Semaphore(concurrency)
        self._wakeup = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()
        self._loop_task: asyncio.Task | None = None
        self._rate = 0.0  # rows/s of recent batches, for Retry-After
        self._seen_restarts: dict[int, int] = {}

    # -- requests --------------------------------------------------------------------------------

    def submit(self, rows: list[dict[str, Any]]) -> Ticket:
        """Queue ``rows`` (raises :class:`QueueFull`); await ``ticket.future`` for :class:`Scores`."""
        if self.queued_rows + len(rows) > self.max_queue_rows:
            raise QueueFull(
                f"the scoring queue is full ({self.queued_rows} rows waiting, at most {self.max_queue_rows}); "
                "retry later",
                self.retry_after(),
            )
        with_ids = bool(rows) and all(isinstance(row.get("completion_ids"), list) for row in rows)
        ticket = Ticket(rows, asyncio.get_running_loop().create_future(), with_ids)
        self._queue.append(ticket)
        self.queued_rows += len(rows)
        self._wakeup.set()
        return ticket

    def cancel(self, ticket: Ticket) -> bool:
        """Drop a waiting request (its client went away); ``False`` if it is already being scored."""
        try:
            self._queue.remove(ticket)
        except ValueError:
            return False
        self.queued_rows -= len(ticket.rows)
        self.cancelled_rows += len(ticket.rows)
        if not ticket.future.done():
            ticket.future.cancel()
        return True

    def retry_after(self) -> int:
        """Seconds until the queue has likely drained enough, from the recent scoring rate (1-60)."""
        if self._rate <= 0:
            return 1
        return max(1, min(60, math.ceil(self.queued_rows / self._rate)))

    # -- the dispatcher ----------------------------------------------------------------------------

    def start(self) -> None:
        """Start dispatching (call from the server's event loop)."""
        self._loop_task = asyncio.get_running_loop().create_task(self._dispatch())

    async def drain(self) -> None:
        """Wait until nothing waits and nothing runs."""
        while self._queue or self._tasks:
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        """Stop dispatching (after :meth:`drain`); requests still waiting are cancelled."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            try:
                await self._loop_task
            except asyncio.CancelledError:
                pass
        while self._queue:
            self.cancel(self._queue[0])

    async def _dispatch(self) -> None:
        while True:
            await self._slots.acquire()
            while not self._queue:
                self._wakeup.clear()
                await self._wakeup.wait()
            batch = self._take()
            task = asyncio.get_running_loop().create_task(self._run(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _take(self) -> list[Ticket]:
        """The first waiting request, and the next ones of its kind while they fit in a batch."""
        first = self._queue.popleft()
        batch, size = [first], len(first.rows)
        kept: deque[Ticket] = deque()
        while self._queue:
            ticket = self._queue.popleft()
            if ticket.with_ids == first.with_ids and size + len(ticket.rows) <= self.max_batch_rows:
                batch.append(ticket)
                size += len(ticket.rows)
            else:
                kept.append(ticket)
                if size >= self.max_batch_rows:
                    break
        kept.extend(self._queue)
        self._queue = kept
        self.queued_rows -= size
        return batch

    async def _run(self, batch: list[Ticket]) -> None:
        size = sum(len(t.rows) for t in batch)
        self.running_rows += size
        try:
            await self._score(batch, retry_alone=len(batch) > 1)
        finally:
            self.running_rows -= size
            self._slots.release()

    async def _score(self, batch: list[Ticket], retry_alone: bool) -> None:
        from pebble import ProcessExpired

        rows = [row for ticket in batch for row in ticket.rows]
        start = time.monotonic()
        try:
            result, pid, restarts = await asyncio.wrap_future(self.scorers.score(rows))
        except ProcessExpired as exc:
            self._restarted("scorer")
            if retry_alone:
                logger.warning(
                    "a scorer died on a batch of %d requests (%s); retrying each alone", len(batch), exc
                )
                for ticket in batch:
                    await self._score([ticket], retry_alone=False)
                return
            logger.error(
                "a scorer died scoring %d rows (%s): they get each reward's low value", len(rows), exc
            )
            self._answer(batch, self.fallback.rows(len(rows), "errors"), Counter(), None, "errors")
            return
        except TimeoutError:
            self._restarted("scorer")
            logger.error(
                "a batch of %d rows overran --batch-timeout (%.0f s): its scorer was killed, its rows get "
                "each reward's low value",
                len(rows),
                self.scorers.batch_timeout,
            )
            self._answer(batch, self.fallback.rows(len(rows), "timeouts"), Counter(), None, "timeouts")
            return
        except Exception as exc:  # pebble could not send the batch (e.g. a value that does not pickle)
            logger.exception("scoring a batch of %d rows failed", len(rows))
            if "Broken" in type(exc).__name__:
                self._restarted("scorer")
            self._answer(batch, self.fallback.rows(len(rows), "errors"), Counter(), None, "errors")
            return
        seconds = max(time.monotonic() - start, 1e-6)
        self._rate = len(rows) / seconds if self._rate <= 0 else 0.8 * self._rate + 0.2 * len(rows) / seconds
        last = self._seen_restarts.get(pid, 0)
        if restarts > last:
            self._restarted("grader", restarts - last)
        self._seen_restarts[pid] = restarts
        _attribute_failures(result)
        self._answer(batch, result.rows, _unattributed(result), result, "ok")

    def _answer(
        self,
        batch: list[Ticket],
        rows: list[RowScore],
        unattributed: Counter,
        result: SuiteResult | None,
        how: str,
    ) -> None:
        if self.on_batch is not None:
            self.on_batch(result, len(rows), how)
        start = 0
        for ticket in batch:
            n = len(ticket.rows)
            extra = unattributed if len(batch) == 1 else Counter()
            if not ticket.future.done():
                ticket.future.set_result(Scores(rows[start : start + n], extra))
            start += n

    def _restarted(self, kind: str, n: int = 1) -> None:
        if self.on_restarts is not None:
            self.on_restarts(kind, n)


def _attribute_failures(result: SuiteResult) -> None:
    """A reward that failed on a whole call failed on each of its rows: count it on each row.

    >>> from verifiers_core.suite import RewardOutcome
    >>> out = RewardOutcome("acc", [0.0], Counter(errors=1), failure="boom")
    >>> result = SuiteResult([RowScore(0.0, {"acc": 0.0})], [out]); _attribute_failures(result)
    >>> result.rows[0].counts, out.row_counts
    ({'acc/errors': 1.0}, {0: Counter({'errors': 1})})
    """
    for outcome in result.outcomes:
        if outcome.failure is None:
            continue
        for i, row in enumerate(result.rows):
            name = f"{outcome.key}/errors"
            row.counts[name] = row.counts.get(name, 0.0) + 1.0
            outcome.row_counts.setdefault(i, Counter())["errors"] += 1


def _unattributed(result: SuiteResult) -> Counter:
    """Counters a reward reported for the whole call but not for single rows.

    >>> from verifiers_core.suite import RewardOutcome
    >>> out = RewardOutcome("acc", [1.0, 0.0], Counter(timeouts=2, errors=1), {0: Counter(timeouts=1)})
    >>> _unattributed(SuiteResult([], [out]))
    Counter({'acc/timeouts': 1, 'acc/errors': 1})
    """
    left: Counter = Counter()
    for outcome in result.outcomes:
        attributed: Counter = Counter()
        for counts in outcome.row_counts.values():
            attributed.update(counts)
        for what, n in outcome.counts.items():
            rest = n - attributed.get(what, 0)
            if rest > 0:
                left[f"{outcome.key}/{what}"] += rest
    return left
