"""One :meth:`WorkerPool.run <verifiers_math.pool.WorkerPool.run>`: handing items to workers, deadlines, kills.

Why this shape (measured on the realistic batch of ``benchmarks/bench_math.py``, see the plugin's README):
a call's time is the workers' CPU time spread over the workers, plus whatever keeps a worker idle or
makes it redo work. The earlier pool sent each gold's answers as one task of up to ``chunk_size`` items
to whichever worker was free, which cost in three ways:

- **head-of-line blocking**: a slow parse held up the other answers of its chunk while the other worker
  ran out of work, and the last chunks of a call ran on one worker while the other idled;
- **lost memoisation**: a gold's chunks and the next call's answers for the same gold landed on workers
  that had not parsed it (golds are half the grading time, and each worker's parser learns shapes
  lazily), and a worker killed for a timeout lost everything it had learnt, its gold cache included;
- **scheduling by arrival**: golds went out in batch order, so an expensive gold could start last.

So items are streamed instead: each worker holds at most :data:`PIPELINE` one-item tasks (one running, one
waiting, so it never waits on this process), and the next item for a worker is, in order of preference,
another answer to the gold it is on, an answer to a gold it has parsed before (in this call or an earlier
one), the gold with the most answers left that no worker is on (largest first), a gold-only check, and
last an answer stolen from a gold another worker is on (only golds already known to parse, so a gold that
hangs is never run twice).

**Deadlines are per step** (a gold, an answer), counted from the end of the previous one, and measured in
the worker's **CPU time**, with a wall-clock backstop of ``timeout`` + :data:`WALL_GRACE`. A wall-clock
deadline alone made verdicts depend on the machine's load: on a busy machine an answer that needs 2 s of
CPU took over 3 s of wall time, was killed as a timeout (scored 0, counted), and its worker's caches were
lost with it, so the same batch cost more and scored differently from run to run. Now an answer is
stopped once it has used ``timeout`` seconds of CPU, and in any case ``timeout`` + 0.5 s after it started:
everything is still decided within its timeout plus half a second, and on a machine that is not starved
the verdict no longer depends on the load.

Nothing here imports sympy.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import TYPE_CHECKING

from . import protocol
from .protocol import Item, Task

if TYPE_CHECKING:  # pragma: no cover
    from .pool import Worker, WorkerPool

#: Tasks a worker holds at once: the one it runs and the next, so it never waits for this process.
PIPELINE = 2
#: Golds a worker keeps parsed (mirrors ``verifiers_math.worker.GOLD_CACHE_SIZE``).
GOLD_CACHE_SIZE = 512
#: Wall-clock time a step may take beyond its CPU budget (a starved worker is stopped all the same).
WALL_GRACE = 0.5
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, or ``None`` where ``/proc`` cannot tell.

    >>> cpu_seconds(os.getpid()) >= 0
    True
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK
    except (OSError, IndexError, ValueError):
        return None


@dataclass
class Outcome:
    """What happened to one item: ``status`` is ``ok``, ``timeout``, ``crash``, ``memory`` (the worker's
    memory cap was hit) or ``gold`` (the gold could not be used)."""

    status: str
    verdict: int = 0
    parsed: bool = False
    shown: str = ""


@dataclass
class RunStats:
    """Where a run's time went, for the benchmark and tests.

    >>> RunStats(items=3, tasks_sent=3, gold_parses=1)
    RunStats(items=3, tasks_sent=3, gold_parses=1, steals=0, kills=0, memory_kills=0, seconds=0.0)
    """

    items: int = 0
    tasks_sent: int = 0
    gold_parses: int = 0
    steals: int = 0
    kills: int = 0
    memory_kills: int = 0
    seconds: float = 0.0


@dataclass
class Report:
    """The outcomes of a run, by item index, and the golds that failed and why."""

    outcomes: dict[int, Outcome] = field(default_factory=dict)
    #: gold -> ``unparsed``, ``timeout``, ``crash``, ``memory`` or ``error``
    bad_golds: dict[str, str] = field(default_factory=dict)
    stats: RunStats = field(default_factory=RunStats)


class Run:
    """The state of one run: items waiting per gold, and what each worker holds."""

    def __init__(self, pool: WorkerPool, tasks: Sequence[Task], timeout: float) -> None:
        self.pool, self.timeout = pool, timeout
        self.report = Report()
        self.waiting: OrderedDict[str, deque[Item]] = OrderedDict()
        self.tolerance: dict[str, float] = {}
        self.checks: set[str] = set()  # golds with no items to grade: only their usability is asked
        for task in tasks:
            self.waiting.setdefault(task.gold, deque()).extend(task.items)
            self.tolerance[task.gold] = task.tolerance
            if not task.items:
                self.checks.add(task.gold)
            self.report.stats.items += len(task.items)
        self.busy: list[Worker] = []

    # -- choosing work ---------------------------------------------------------------------------

    def _on_elsewhere(self, gold: str, worker: Worker) -> bool:
        return any(w is not worker and w.current_gold == gold for w in self.busy)

    def _next_for(self, worker: Worker) -> Task | None:
        """The next one-item task for ``worker`` (see the module docstring for the order)."""
        candidates = [(gold, items) for gold, items in self.waiting.items() if items]
        gold: str | None = None
        if worker.current_gold is not None and self.waiting.get(worker.current_gold):
            gold = worker.current_gold
        if gold is None:
            cached = [(len(items), g) for g, items in candidates if g in worker.golds]
            if cached:
                gold = max(cached)[1]
        if gold is None:
            free = [(len(items), g) for g, items in candidates if not self._on_elsewhere(g, worker)]
            if free:
                gold = max(free)[1]
        if gold is None:
            check = next((g for g in self.checks if not self._on_elsewhere(g, worker)), None)
            if check is not None:
                self.checks.discard(check)
                self.waiting.pop(check, None)
                return Task(check, [], self.tolerance[check])
        if gold is None:
            known = [(len(items), g) for g, items in candidates if len(items) >= 2 and self.pool.knows(g)]
            if known:
                gold = max(known)[1]
                self.report.stats.steals += 1
        if gold is None:
            return None
        self.checks.discard(gold)
        item = self.waiting[gold].popleft()
        return Task(gold, [item], self.tolerance[gold])

    def _dispatch(self) -> None:
        """Top up every worker to :data:`PIPELINE` tasks, forking workers up to the pool's size."""
        while len(self.busy) < self.pool.size and self._has_work():
            worker = self.pool.take_idle()
            task = self._next_for(worker)
            if task is None:
                self.pool.give_back(worker)
                break
            self._send(worker, task)
            self.busy.append(worker)
        for worker in list(self.busy):
            while len(worker.outstanding) < PIPELINE:
                task = self._next_for(worker)
                if task is None:
                    break
                self._send(worker, task)

    def _has_work(self) -> bool:
        return bool(self.checks) or any(self.waiting.values())

    def _start_step(self, worker: Worker) -> None:
        """A new step starts now on ``worker``: its CPU budget and wall backstop start over."""
        now = time.monotonic()
        worker.step_wall = now
        worker.step_cpu = cpu_seconds(worker.pid)
        worker.deadline = now + self.timeout + (WALL_GRACE if worker.step_cpu is not None else 0.0)

    def _overdue(self, worker: Worker, now: float) -> float | None:
        """``None`` if ``worker``'s step has used up its time, else when to look again."""
        if now >= worker.deadline:
            return None
        if worker.started and worker.outstanding and worker.step_cpu is not None:
            earliest = worker.step_wall + self.timeout  # CPU time cannot run ahead of the clock
            if now < earliest:
                return min(worker.deadline, earliest)
            used = cpu_seconds(worker.pid)
            if used is not None:
                left = self.timeout - (used - worker.step_cpu)
                if left <= 0:
                    return None
                return min(worker.deadline, now + left)  # CPU cannot run faster than the clock
        return worker.deadline

    def _send(self, worker: Worker, task: Task) -> None:
        if not worker.outstanding and worker.started:
            self._start_step(worker)  # picked up now
        worker.outstanding.append(task)
        worker.current_gold = task.gold
        self.report.stats.tasks_sent += 1
        try:
            worker.conn.send_bytes(task.encode())
        except OSError:
            pass  # it died: its EOF is read and handled as a crash

    # -- the loop --------------------------------------------------------------------------------

    def execute(self) -> Report:
        begin = time.monotonic()
        while True:
            self._dispatch()
            if not self.busy:
                break
            now = time.monotonic()
            checks = [self._overdue(w, now) for w in self.busy]
            nearest = min((c for c in checks if c is not None), default=now) - now
            ready = wait([w.conn for w in self.busy], timeout=max(0.0, min(nearest, 60.0)))
            for worker in list(self.busy):
                if worker.conn in ready and not self._read(worker):
                    self._fail(worker, "crash")
                elif worker in self.busy and not worker.outstanding:  # (not replaced after a memory error)
                    self._retire(worker)
            now = time.monotonic()
            for worker in list(self.busy):
                if worker in self.busy and self._overdue(worker, now) is None:
                    self._fail(worker, "timeout")
        self.report.stats.seconds = time.monotonic() - begin
        return self.report

    def _retire(self, worker: Worker, alive: bool = True) -> None:
        self.busy.remove(worker)
        worker.current_gold = None
        worker.deadline = float("inf")
        if alive:
            self.pool.give_back(worker)

    def _read(self, worker: Worker) -> bool:
        """Take every message the worker has sent; ``False`` if it died."""
        try:
            while worker.conn.poll(0):
                message = protocol.decode(worker.conn.recv_bytes())
                # Each step's time runs from the end of the previous one (or from pick-up).
                self._start_step(worker)
                kind = message["kind"]
                if kind == "hello":
                    worker.started = True
                elif kind == "gold" and worker.outstanding:
                    self._on_gold(
                        worker, bool(message.get("usable")), str(message.get("reason") or "unparsed")
                    )
                elif kind == "result" and worker.outstanding:
                    self._on_result(worker, message)
                if worker not in self.busy:
                    return True  # replaced after a memory error
                if not worker.outstanding:
                    worker.deadline = float("inf")
        except (EOFError, OSError, ValueError, KeyError, TypeError):
            return False
        return True

    def _on_gold(self, worker: Worker, usable: bool, reason: str) -> None:
        task = worker.outstanding[0]
        worker.gold_done = True
        if usable:
            if task.gold not in worker.golds:
                self.report.stats.gold_parses += 1
            worker.golds[task.gold] = True
            worker.golds.move_to_end(task.gold)
            if len(worker.golds) > GOLD_CACHE_SIZE:
                worker.golds.popitem(last=False)
            self.pool.learn(task.gold)
            if not task.items:
                self._finish_task(worker)
            return
        self._bad_gold(task.gold, reason)
        self._finish_task(worker)
        if reason == "memory":  # its heap may hold what it built before the cap hit: replace it
            self.report.stats.memory_kills += 1
            self._fail(worker, None)

    def _bad_gold(self, gold: str, reason: str) -> None:
        self.report.bad_golds.setdefault(gold, reason)
        for item in self.waiting.pop(gold, deque()):
            self.report.outcomes[item.index] = Outcome("gold")
        self.checks.discard(gold)
        for other in self.busy:
            for task in other.outstanding:
                if task.gold == gold:
                    for item in task.items:
                        self.report.outcomes[item.index] = Outcome("gold")

    def _on_result(self, worker: Worker, message: dict) -> None:
        task = worker.outstanding[0]
        index = int(message["index"])
        if message.get("memory"):
            self.report.outcomes[index] = Outcome("memory")
            self.report.stats.memory_kills += 1
            task.items = [item for item in task.items if item.index != index]
            # Its heap may hold what it built before the cap hit: replace it, re-queue what it held.
            self._fail(worker, None)
            return
        if index not in self.report.outcomes:  # a gold failure elsewhere may have decided it already
            self.report.outcomes[index] = Outcome(
                "ok",
                int(message.get("verdict", 0)),
                bool(message.get("parsed")),
                str(message.get("shown", "")),
            )
        task.items = [item for item in task.items if item.index != index]
        if not task.items:
            self._finish_task(worker)

    def _finish_task(self, worker: Worker) -> None:
        worker.outstanding.popleft()
        worker.gold_done = False

    def _fail(self, worker: Worker, why: str | None) -> None:
        """Kill ``worker``, decide the step it was on (unless ``why`` is None), re-queue the rest."""
        self.pool.kill(worker)
        self.report.stats.kills += why is not None
        self._retire(worker, alive=False)
        for k, task in enumerate(worker.outstanding):
            items = list(task.items)
            if k == 0 and why is not None:
                if not worker.gold_done:
                    self._bad_gold(task.gold, why)
                    continue
                if items:
                    self.report.outcomes[items[0].index] = Outcome(why)
                    items = items[1:]
            if task.gold in self.report.bad_golds:
                for item in items:
                    self.report.outcomes[item.index] = Outcome("gold")
                continue
            queue = self.waiting.setdefault(task.gold, deque())
            queue.extendleft(reversed(items))
            if not task.items and k == 0 and not worker.gold_done:
                self.checks.add(task.gold)
        worker.outstanding.clear()
