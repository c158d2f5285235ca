"""Scoring processes with a hard deadline per answer.

reasoning-gym's scorers run on model answers: sympy parsing, ``eval`` of lists, simulations. An
answer such as ``9**9**9**9`` can keep sympy busy in C code for ever, where no signal reaches it,
and the standard process pools cannot stop a running task. So this module owns its processes
(:mod:`verifiers_reasoning_gym.worker`, fresh interpreters started once and kept warm): each takes
one answer at a time; one that overruns the deadline is killed (``SIGKILL``) and replaced when next
needed, and its answer scores as a timeout. A worker that dies (its memory cap) is replaced too.
The pool is shared per process and per settings (:func:`get_pool`) and closed at exit.

A process pool is written here rather than taken from a library because none of the standard ones
(``concurrent.futures``, ``multiprocessing.Pool``) can kill the one task that overran.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from verifiers_core.processes import PerProcess, usable_cpus

#: How long a fresh worker may take to import reasoning-gym and say it is ready.
START_TIMEOUT = 120.0


class PoolError(RuntimeError):
    """The scoring processes could not be started (not a per-answer failure)."""


@dataclass
class Result:
    """One answer's outcome: ``status`` is ``ok``, ``error`` (the scorer raised), ``bad_row`` (the row
    is unusable: an unknown task, no gold), ``timeout`` or ``crash``."""

    status: str
    value: float = 0.0
    detail: str = ""


class _Worker:
    def __init__(self, memory_mb: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "verifiers_reasoning_gym.worker", "--memory-mb", str(memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        self.buffer = b""
        self.job: int | None = None
        self.deadline = 0.0
        os.set_blocking(self.proc.stdout.fileno(), False)  # type: ignore[union-attr]

    def read_lines(self) -> list[str] | None:
        """Lines available now; ``None`` when the worker closed its output (it died)."""
        try:
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)  # type: ignore[union-attr]
        except BlockingIOError:
            return []
        if not chunk:
            return None
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [line.decode("utf-8", "replace") for line in lines]

    def send(self, message: dict[str, Any]) -> bool:
        try:
            self.proc.stdin.write((json.dumps(message) + "\n").encode())  # type: ignore[union-attr]
            self.proc.stdin.flush()  # type: ignore[union-attr]
            return True
        except (BrokenPipeError, OSError):
            return False

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.close()

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class ScorerPool:
    """``size`` warm scoring processes; :meth:`run` scores a list of requests with a deadline each."""

    def __init__(self, size: int, memory_mb: int) -> None:
        self.size = max(1, size)
        self.memory_mb = memory_mb
        self.idle: list[_Worker] = []
        self.lock = threading.Lock()
        self.closed = False

    def _start(self) -> _Worker:
        worker = _Worker(self.memory_mb)
        deadline = time.monotonic() + START_TIMEOUT
        with selectors.DefaultSelector() as sel:
            sel.register(worker.proc.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    worker.kill()
                    raise PoolError(
                        f"a reasoning-gym scoring process did not start within {START_TIMEOUT:.0f} s"
                    )
                lines = worker.read_lines()
                if lines is None:
                    code = worker.proc.wait()
                    raise PoolError(
                        f"a reasoning-gym scoring process exited with status {code} while starting; run "
                        f"`{sys.executable} -m verifiers_reasoning_gym.worker` to see why"
                    )
                if "ready" in lines:
                    return worker

    def run(self, requests: list[dict[str, Any]], timeout: float) -> list[Result]:
        """Score every request (its ``id`` is its index here); one :class:`Result` per request."""
        with self.lock:
            if self.closed:
                raise PoolError("the scoring pool is closed")
            return self._run(requests, timeout)

    def _run(self, requests: list[dict[str, Any]], timeout: float) -> list[Result]:
        results: list[Result | None] = [None] * len(requests)
        queue = deque(range(len(requests)))
        busy: dict[int, _Worker] = {}  # fd -> worker
        sel = selectors.DefaultSelector()
        try:
            while queue or busy:
                while queue and len(busy) < self.size:
                    worker = self.idle.pop() if self.idle else self._start()
                    job = queue.popleft()
                    if not worker.send({**requests[job], "id": job}):
                        worker.kill()
                        results[job] = Result("crash", detail="the scoring process was gone")
                        continue
                    worker.job, worker.deadline = job, time.monotonic() + timeout
                    fd = worker.proc.stdout.fileno()  # type: ignore[union-attr]
                    busy[fd] = worker
                    sel.register(fd, selectors.EVENT_READ)
                wait = max(0.0, min(w.deadline for w in busy.values()) - time.monotonic())
                for key, _ in sel.select(wait):
                    worker = busy[key.fd]
                    lines = worker.read_lines()
                    if lines is None:
                        self._drop(sel, busy, key.fd)
                        worker.kill()
                        results[worker.job] = Result("crash", detail="the scoring process died (memory cap?)")  # type: ignore[index]
                        continue
                    for line in lines:
                        reply = json.loads(line)
                        if reply.get("id") != worker.job:
                            continue
                        if "bad_row" in reply:
                            results[worker.job] = Result("bad_row", detail=reply["bad_row"])  # type: ignore[index]
                        elif "error" in reply:
                            results[worker.job] = Result("error", detail=reply["error"])  # type: ignore[index]
                        else:
                            results[worker.job] = Result("ok", float(reply["value"]))  # type: ignore[index]
                        self._drop(sel, busy, key.fd)
                        self.idle.append(worker)
                        break
                now = time.monotonic()
                for fd, worker in list(busy.items()):
                    if worker.deadline <= now:
                        self._drop(sel, busy, fd)
                        worker.kill()
                        results[worker.job] = Result("timeout", detail=f"over {timeout:g} s")  # type: ignore[index]
        except BaseException:
            for worker in busy.values():
                worker.kill()
            raise
        finally:
            sel.close()
        return [r if r is not None else Result("crash") for r in results]

    @staticmethod
    def _drop(sel: selectors.BaseSelector, busy: dict[int, _Worker], fd: int) -> None:
        sel.unregister(fd)
        del busy[fd]

    def close(self) -> None:
        with self.lock:
            self.closed = True
            while self.idle:
                self.idle.pop().close()

    def pids(self) -> list[int]:
        """Process ids of the idle workers (tests check that none is left behind)."""
        return [w.proc.pid for w in self.idle]


def default_size() -> int:
    """One worker per CPU this process may use, at most 4."""
    return max(1, min(4, usable_cpus()))


# Closed at exit; a forked child starts without its parent's pools (it must not reuse their pipes).
_POOLS: PerProcess[tuple[int, int], ScorerPool] = PerProcess(close=lambda pool: pool.close())


def get_pool(size: int, memory_mb: int) -> ScorerPool:
    """The shared pool for these settings in this process (``size`` 0: :func:`default_size`).

    >>> pool = get_pool(1, 2048)
    >>> request = {"task": "chain_sum", "answer": "12", "gold": "12", "metadata": {"source_dataset": "chain_sum"},
    ...            "credit": "binary"}
    >>> [(r.status, r.value) for r in pool.run([request, {**request, "answer": "13"}], timeout=10.0)]
    [('ok', 1.0), ('ok', 0.0)]
    """
    key = (size or default_size(), memory_mb)
    return _POOLS.get(key, lambda: ScorerPool(*key), usable=lambda pool: not pool.closed)


def shutdown_pools() -> None:
    """Stop every worker this process started (runs at exit)."""
    _POOLS.close_all()
