"""A warm pool of grading processes with hard, per-task deadlines.

``concurrent.futures.ProcessPoolExecutor`` cannot stop a task once a worker runs it, and
math-verify's own timeouts (``signal.alarm``) work only in the main thread and only between Python
bytecodes. This pool owns its processes instead:

- a *zygote* (``python -m verifiers_math.worker``, a fresh interpreter: safe however many threads
  torch has started in the trainer, and it never re-imports the trainer's ``__main__``) imports
  math-verify once and forks warm workers on request, in a few milliseconds;
- each worker grades what :mod:`verifiers_math.scheduling` streams to it and reports after the gold and
  after every answer; each step gets ``timeout`` seconds of CPU counted from when the worker started it
  (the worker's first message after a fork marks its pick-up), and at most ``timeout`` + 0.5 s of wall
  time whatever the machine's load;
- a worker that overruns its deadline is killed (``SIGKILL`` through a pidfd) and replaced; one that
  dies (a crash) is replaced too, and so is one that reports hitting its memory cap. The step it was on
  is decided at once (an answer scores as a timeout, a crash or a memory error, a gold as unusable) and
  the rest of what it held goes back to the queue.

Nothing here imports sympy: the caller only moves strings. The pool is shared per process and per
settings through :func:`get_pool`, and shut down at exit. It remembers which golds its workers have
parsed (and which worker holds which) across calls, so the scheduler can send answers where the gold is.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path

from verifiers_core.processes import PerProcess, ProcessHandle, usable_cpus

from . import protocol
from .protocol import Item, Task
from .scheduling import GOLD_CACHE_SIZE, Outcome, Report, Run, RunStats

#: How long a fresh zygote may take to import math-verify and warm up.
ZYGOTE_START_TIMEOUT = 60.0
#: How long a forked worker may take to say hello before it counts as broken.
WORKER_START_TIMEOUT = 10.0


class PoolError(RuntimeError):
    """The grading processes could not be started (not a per-answer failure)."""


class Worker:
    """The parent's handle on one worker process, and what it holds."""

    def __init__(self, pid: int, conn: Connection) -> None:
        self.pid, self.conn = pid, conn
        self.process = ProcessHandle(pid)  # killed through a pidfd: never a process that reused the pid
        self.started = False  # said hello
        self.outstanding: deque[Task] = deque()  # sent, not finished; the first one is running
        self.gold_done = False  # the first outstanding task's gold is parsed
        self.current_gold: str | None = None
        self.golds: OrderedDict[str, bool] = OrderedDict()  # golds this worker has parsed (its cache)
        self.deadline = float("inf")  # wall-clock backstop of the current step
        self.step_wall = 0.0  # when the current step started
        self.step_cpu: float | None = None  # the worker's CPU seconds when it started

    def kill(self) -> None:
        self.process.kill()
        self.close()

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        self.process.close()


class WorkerPool:
    """``size`` warm workers forked from one zygote; :meth:`run` grades tasks with deadlines.

    One :meth:`run` at a time (a lock serialises callers from several threads). Usable from any
    thread: no signals are involved in the caller.

    >>> pool = WorkerPool(size=1, memory_mb=1024)
    >>> report = pool.run([Task("\\\\frac{1}{2}", [Item(0, ["0.5"]), Item(1, ["2"])])], timeout=5.0)
    >>> [report.outcomes[i].verdict for i in (0, 1)]
    [1, 0]
    >>> pool.close()
    """

    def __init__(self, size: int, memory_mb: int) -> None:
        if size < 1:
            raise ValueError(f"a pool needs at least one worker, got {size}")
        self.size, self.memory_mb = size, memory_mb
        self.owner_pid = os.getpid()
        self._lock = threading.Lock()
        self._zygote: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._idle: list[Worker] = []
        self._run: Run | None = None
        self._known: OrderedDict[str, bool] = OrderedDict()  # golds some worker parsed successfully
        self.started_workers = 0  # forks so far, for tests and the benchmark
        self.killed_workers = 0
        self.last_stats = RunStats()
        self.closed = False

    # -- processes -------------------------------------------------------------------------------

    def _start_zygote(self) -> None:
        self._stop_zygote()
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        env = dict(os.environ)
        # The package must import in the fresh interpreter even when it is not installed.
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        env.setdefault("OMP_NUM_THREADS", "1")
        try:
            self._zygote = subprocess.Popen(
                [sys.executable, "-m", "verifiers_math.worker", str(child_end.fileno()), str(self.memory_mb)],
                pass_fds=[child_end.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # a Ctrl-C in the trainer's terminal reaches the trainer only
            )
        finally:
            child_end.close()
        parent_end.settimeout(ZYGOTE_START_TIMEOUT)
        try:
            ready = parent_end.recv(16)
        except (TimeoutError, OSError) as exc:
            ready = repr(exc).encode()
        if ready != b"ready":
            parent_end.close()
            self._stop_zygote()
            raise PoolError(
                f"the math grading process did not start ({ready.decode(errors='replace') or 'it exited'}); "
                f"check that math-verify is installed for {sys.executable}"
            )
        parent_end.settimeout(None)
        self._control = parent_end

    def _stop_zygote(self) -> None:
        if self._control is not None:
            self._control.close()  # the zygote exits on EOF; its workers die with it
            self._control = None
        if self._zygote is not None:
            try:
                self._zygote.wait(timeout=2.0)
            except subprocess.TimeoutExpired:
                self._zygote.kill()
                self._zygote.wait()
            self._zygote = None

    def _fork(self) -> Worker:
        for attempt in range(2):
            if self._control is None or self._zygote is None or self._zygote.poll() is not None:
                self._start_zygote()
            assert self._control is not None
            try:
                self._control.send(b"fork")
                msg, fds, _flags, _addr = socket.recv_fds(self._control, 64, 1)
                if not fds:
                    raise OSError("the zygote sent no socket")
            except OSError:
                if attempt:
                    raise PoolError("the math grading process keeps failing to fork workers") from None
                self._control.close()
                self._control = None
                continue
            self.started_workers += 1
            worker = Worker(int(msg.decode()), Connection(fds[0]))
            worker.deadline = time.monotonic() + WORKER_START_TIMEOUT
            return worker
        raise PoolError("unreachable")

    def warm(self) -> None:
        """Start the zygote and the workers now rather than at the first :meth:`run`."""
        with self._lock:
            self._check_usable()
            while len(self._idle) < self.size:
                self._idle.append(self._fork())

    def worker_pids(self) -> list[int]:
        """Process ids of the live workers (idle and busy), for diagnostics and tests."""
        self._prune_idle()
        busy = self._run.busy if self._run is not None else []
        return [w.pid for w in self._idle + busy]

    def _prune_idle(self) -> None:
        """Drop idle workers that died (killed from outside): an idle worker sends nothing but its
        first hello, so anything else readable on its socket means it is gone."""
        if not self._idle:
            return
        ready = set(wait([w.conn for w in self._idle], timeout=0))
        for worker in [w for w in self._idle if w.conn in ready]:
            try:
                hello = protocol.decode(worker.conn.recv_bytes())["kind"] == "hello" and not worker.started
            except (EOFError, OSError, ValueError, KeyError):
                hello = False
            if hello:  # a fresh worker saying it is ready
                worker.started = True
                continue
            worker.kill()
            self._idle.remove(worker)

    @property
    def zygote_pid(self) -> int | None:
        """Process id of the zygote, once started."""
        return self._zygote.pid if self._zygote is not None else None

    def close(self) -> None:
        """Kill the workers and stop the zygote. Safe to call twice."""
        with self._lock:
            self.closed = True
            if os.getpid() != self.owner_pid:
                return  # a forked copy of the trainer: these processes are not ours
            for worker in self._idle:
                worker.kill()
            self._idle.clear()
            self._stop_zygote()

    def _check_usable(self) -> None:
        if self.closed:
            raise PoolError("this grading pool was closed")
        if os.getpid() != self.owner_pid:
            raise PoolError("this grading pool belongs to another process; use get_pool()")

    # -- grading ---------------------------------------------------------------------------------

    def run(self, tasks: Sequence[Task], timeout: float) -> Report:
        """Grade ``tasks``; each step (a gold, an answer) gets ``timeout`` seconds from its start."""
        with self._lock:
            self._check_usable()
            self._prune_idle()
            self._run = Run(self, tasks, timeout)
            try:
                report = self._run.execute()
            except BaseException:
                # Interrupted (Ctrl-C in the trainer, a broken pipe): the busy workers hold tasks
                # nobody will read; kill them, the next call forks fresh ones.
                for worker in self._run.busy:
                    self.kill(worker)
                raise
            finally:
                self._run = None
            self.killed_workers += report.stats.kills + report.stats.memory_kills
            self.last_stats = report.stats
            return report

    # The scheduler's view of the pool.

    def take_idle(self) -> Worker:
        """An idle worker, or a fresh fork."""
        return self._idle.pop() if self._idle else self._fork()

    def give_back(self, worker: Worker) -> None:
        """``worker`` is idle again."""
        self._idle.append(worker)

    def kill(self, worker: Worker) -> None:
        """Kill ``worker`` and fork its replacement now: the pool stays warm and at full size."""
        worker.kill()
        try:
            self._idle.append(self._fork())
        except PoolError:
            pass  # retried by the next take_idle

    def learn(self, gold: str) -> None:
        """Some worker parsed ``gold``: it is safe to parse again elsewhere (see the scheduler)."""
        self._known[gold] = True
        self._known.move_to_end(gold)
        if len(self._known) > 4 * GOLD_CACHE_SIZE:
            self._known.popitem(last=False)

    def knows(self, gold: str) -> bool:
        return gold in self._known


# -- one pool per process and settings ------------------------------------------------------------

# Closed at exit; a forked copy of the trainer (a DataLoader worker, say) starts without them.
_pools: PerProcess[tuple[int, int], WorkerPool] = PerProcess(close=lambda pool: pool.close())


def default_size() -> int:
    """Workers to use when not told: the CPUs this process may run on, at most 8.

    >>> 1 <= default_size() <= 8
    True
    """
    return max(1, min(usable_cpus(), 8))


def get_pool(size: int, memory_mb: int) -> WorkerPool:
    """The process-wide pool for these settings, created on first use (its processes start lazily).

    >>> get_pool(1, 1024) is get_pool(1, 1024)
    True
    """
    return _pools.get((size, memory_mb), lambda: WorkerPool(size, memory_mb), usable=lambda p: not p.closed)


def worker_restarts() -> int:
    """Grading workers killed (overrun or crashed) and replaced so far by this process's pools.

    >>> worker_restarts() >= 0
    True
    """
    return sum(pool.killed_workers for pool in _pools.values())


def shutdown_pools() -> None:
    """Stop every pool of this process (runs at exit)."""
    _pools.close_all()


__all__ = [
    "Item",
    "Outcome",
    "PoolError",
    "Report",
    "RunStats",
    "Task",
    "Worker",
    "WorkerPool",
    "default_size",
    "get_pool",
]
