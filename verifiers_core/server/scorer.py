"""Scorer processes: each builds the reward suite once and scores batches of rows in it.

Scoring runs out of the server's process so that nothing a reward does (a pure-Python loop that
never ends, a crash in a C extension, a leak) can stop the server: pebble's process pool gives each
batch a hard deadline, kills a scorer that overruns it or dies, and starts a fresh one. The
rewards' own workers (math grading processes, code sandboxes) live inside the scorer and end with
it: the math pool's zygote exits when its scorer's socket closes, bubblewrap's sandboxes die with
their parent.

Processes are started with ``spawn`` (a fresh interpreter): the server has threads, and a fork of a
threaded process may inherit a held lock.

>>> from verifiers_core.suite import SuiteSpec
>>> score_in_worker(SuiteSpec.from_options(rewards="format"), [{"completion": "<think>a</think> b"}])[0].rows[0].total
1.0
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Future
from typing import Any

from ..suite import SuiteResult, SuiteSpec, get_suite

#: Pool modules of the plugins whose ``worker_restarts()`` a scorer reports (grading workers,
#: sandboxes), when they are loaded in the scorer.
RESTART_SOURCES = ("verifiers_math.pool", "verifiers_code.sandbox.pool")


def _init_worker() -> None:
    """In each scorer, at start: Ctrl-C in the server's terminal is the server's to handle (it
    drains, then stops the scorers); one thread per math library is plenty."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def warm_in_worker(spec: SuiteSpec) -> int:
    """Build the suite and start the rewards' worker pools now; returns the scorer's pid."""
    suite = get_suite(spec)
    for reward in suite.rewards:
        warm = getattr(reward, "warm", None)
        if callable(warm):
            warm()
    return os.getpid()


def score_in_worker(spec: SuiteSpec, rows: list[dict[str, Any]]) -> tuple[SuiteResult, int, int]:
    """Score one batch; also returns this scorer's pid and its rewards' worker restarts so far."""
    result = get_suite(spec).score_rows(rows, errors="count")
    return result, os.getpid(), pool_restarts()


def pool_restarts() -> int:
    """Worker restarts reported by the plugins' pools loaded in this process.

    >>> pool_restarts() >= 0
    True
    """
    total = 0
    for name in RESTART_SOURCES:
        module = sys.modules.get(name)
        counter = getattr(module, "worker_restarts", None)
        if callable(counter):
            try:
                total += int(counter())
            except Exception:  # a counter must never fail a batch
                pass
    return total


class ScorerPool:
    """``size`` scorer processes for one reward selection, with a deadline per batch.

    Futures resolve to what :func:`score_in_worker` returns, or raise ``TimeoutError`` (the
    scorer overran the deadline and was killed) or ``pebble.ProcessExpired`` (it died).
    """

    def __init__(self, spec: SuiteSpec, size: int, batch_timeout: float) -> None:
        from pebble import ProcessPool

        self.spec = spec
        self.size = size
        self.batch_timeout = batch_timeout
        self._pool = ProcessPool(
            max_workers=size, initializer=_init_worker, context=multiprocessing.get_context("spawn")
        )

    def warm(self) -> list[Future]:
        """Ask every scorer to build the suite and start its pools (one task each, run together)."""
        return [
            self._pool.schedule(warm_in_worker, args=(self.spec,), timeout=self.batch_timeout)
            for _ in range(self.size)
        ]

    def score(self, rows: Sequence[dict[str, Any]]) -> Future:
        """Score ``rows`` in a free scorer."""
        return self._pool.schedule(score_in_worker, args=(self.spec, list(rows)), timeout=self.batch_timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Let the scorers finish what they hold, then stop them (killed after ``timeout``)."""
        self._pool.close()
        try:
            self._pool.join(timeout=timeout)
        except TimeoutError:
            self._pool.stop()
            self._pool.join()

    def kill(self) -> None:
        """Stop every scorer now (tests, and a second Ctrl-C)."""
        self._pool.stop()
        self._pool.join()
