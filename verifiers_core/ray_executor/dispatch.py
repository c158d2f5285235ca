"""The driver side of the Ray executor: chunks in flight, deadlines, retries.

One :class:`RayExecutor` per selection and process (:func:`get_executor`) owns the reward actors
(:mod:`.fleet`) and an asyncio loop on a background thread where all of its bookkeeping happens, so
calls from several threads (TRL gathers async rewards on its own loop) share the actors without locks:

- a call is cut into chunks of whole GRPO groups (:mod:`.chunks`); each chunk goes to the least busy
  ready actor that has fewer than ``max_in_flight`` chunks in flight (Ray's ``max_pending_calls``
  guards the same bound on the actor handle); the driver waits on Ray's own futures
  (``ObjectRef.future()``), never polls;
- an actor runs its chunks one at a time, so a chunk's deadline (``chunk_timeout``) starts when it
  reaches the head of its actor's queue; an actor that misses it is killed and restarted by Ray
  (``max_restarts``), one that dies is restarted the same way; either way the chunk it was running
  is retried once on another actor (chunks merely queued there are resent without using up their
  retry), then its rows get the reward's timeout value and are counted (``ray_timeouts``);
- an attempt's result is taken only while the attempt is live, and each chunk takes exactly one
  outcome, so no completion is lost or scored twice.

Ray's ``ActorPool`` has no deadlines, no restart handling and no bound per actor, hence this loop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
import time
from typing import Any

from ..executor import ExecutorChoice
from ..processes import PerProcess
from ..suite import SuiteSpec
from .actor import ChunkResult
from .calls import (
    Attempt,
    CallResult,
    CallStats,
    Outcome,
    Payload,
    assemble,
    raised_by_reward,
    reason,
    timeout_result,
    unwrap,
)
from .chunks import auto_chunk_rows, plan_chunks
from .cluster import RayExecutorError, check_cluster
from .fleet import REPLAN_INTERVAL, ActorFleet, Slot

logger = logging.getLogger("verifiers_core.ray")


class RayExecutor:
    """Reward actors for one selection on one cluster, and the loop that feeds them.

    ``spec`` is the selection the actors build (its executor part is ignored); ``choice`` holds the
    address and :class:`~verifiers_core.executor.RayOptions`.
    """

    def __init__(self, spec: SuiteSpec, choice: ExecutorChoice) -> None:
        self.spec = spec.local()
        self.choice = choice
        self.options = choice.ray
        self.address: str | None = None
        self.restarts = 0
        self._waiters: list[asyncio.Future] = []
        self._uses = itertools.count(1)
        self._start_lock = threading.Lock()
        self._started = False
        self._closed = False
        self._loop = asyncio.new_event_loop()
        self._fleet = ActorFleet(self._loop, self.spec, self.options, self._wake_all)
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="ray-reward-executor", daemon=True
        )
        self._thread.start()

    # -- life cycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect, check that actors have somewhere to run, and start them (not waiting for them).

        Raises :class:`~verifiers_core.ray_executor.cluster.RayClusterError` when the cluster cannot be
        reached or has no node for an actor. Later calls do nothing.
        """
        with self._start_lock:
            if self._closed:
                raise RayExecutorError("this Ray executor was closed")
            if self._started:
                return
            placements = check_cluster(self.choice.ray_address, self.options)
            import ray

            self.address = ray.get_runtime_context().gcs_address
            self._on_loop(self._fleet.place, placements).result()
            self._started = True

    def close(self) -> None:
        """Kill the actors (their pools die with them) and stop the loop. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            try:
                self._on_loop(self._shutdown).result(timeout=30)
            except Exception:  # the loop is gone already: nothing left to stop
                pass
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        if not self._loop.is_running():
            self._loop.close()

    def _shutdown(self) -> None:
        self._fleet.shutdown()
        self._wake_all()

    def status(self) -> list[dict[str, Any]]:
        """One entry per actor: name, node, state, chunks in flight, restarts, pid, last failure."""
        return self._on_loop(lambda: [s.describe() for s in self._fleet.slots]).result()

    def actor_handles(self) -> dict[str, Any]:
        """The Ray handles of the live actors by name (``actor0``, ...), for tests and diagnostics."""
        return self._on_loop(
            lambda: {s.name: s.handle for s in self._fleet.slots if s.state != "dead"}
        ).result()

    def wait_ready(self, timeout: float | None = None) -> int:
        """Block until no actor is starting (or ``timeout``); the number of ready actors."""
        self.start()
        deadline = time.monotonic() + (self.options.startup_timeout if timeout is None else timeout)
        while time.monotonic() < deadline:
            states = [s["state"] for s in self.status()]
            if states and not any(s in ("starting", "recovering") for s in states):
                break
            time.sleep(0.05)
        return sum(s["state"] == "ready" for s in self.status())

    # -- calls --------------------------------------------------------------------------------------

    def run(self, index: int, local: Any, payload: Payload) -> CallResult:
        """Score ``payload`` with reward ``index`` of the selection, blocking until every row has a value."""
        if threading.current_thread() is self._thread:
            raise RayExecutorError("the Ray executor cannot be called from its own loop")
        self.start()
        return asyncio.run_coroutine_threadsafe(self._call(index, local, payload), self._loop).result()

    async def run_async(self, index: int, local: Any, payload: Payload) -> CallResult:
        """The same, awaited from another event loop (TRL's loop of async rewards)."""
        if not self._started:
            await asyncio.to_thread(self.start)
        future = asyncio.run_coroutine_threadsafe(self._call(index, local, payload), self._loop)
        return await asyncio.wrap_future(future)

    async def _call(self, index: int, local: Any, payload: Payload) -> CallResult:
        n = payload.n
        if n == 0:
            return CallResult([])
        self._fleet.replan()
        target = self.options.chunk_rows or auto_chunk_rows(n, self._fleet.live())
        chunks = plan_chunks(n, payload.prompts, payload.columns, target)
        stats = CallStats()
        tasks = [asyncio.ensure_future(self._run_chunk(index, local, payload, r, stats)) for r in chunks]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        return assemble(n, chunks, results, stats)

    async def _run_chunk(
        self, index: int, local: Any, payload: Payload, rows: range, stats: CallStats
    ) -> ChunkResult:
        failures = 0
        avoid: int | None = None
        args = payload.rows(rows)
        while True:
            slot = await self._acquire(avoid)
            outcome = await self._submit(slot, index, args, rows, stats)
            if outcome.ok:
                assert outcome.result is not None
                return outcome.result
            if not outcome.charged:
                continue
            failures += 1
            if failures > self.options.retries:
                logger.warning(
                    "reward chunk of rows %d-%d failed %d times (%s): scored with the reward's timeout value",
                    rows.start,
                    rows.stop - 1,
                    failures,
                    outcome.reason,
                )
                stats.timeout_rows += len(rows)
                return timeout_result(local, args)
            stats.retries += 1
            avoid = slot.key

    async def _acquire(self, avoid: int | None) -> Slot:
        """The least busy ready actor with room, another than ``avoid`` when there is one."""
        limit = self.options.max_in_flight
        while True:
            ready = [s for s in self._fleet.slots if s.state == "ready"]
            pool = [s for s in ready if s.key != avoid] or ready
            free = [s for s in pool if len(s.queue) < limit]
            if free:
                slot = min(free, key=lambda s: (len(s.queue), s.last_used))
                slot.last_used = next(self._uses)
                return slot
            if self._fleet.all_dead():
                self._fleet.replan(force=True)  # nodes that joined since; never a node whose actor failed
                if self._fleet.all_dead():
                    reasons = "; ".join(
                        f"{s.name} on {s.placement.node_ip}: {s.reason}" for s in self._fleet.slots
                    )
                    raise RayExecutorError(
                        f"no reward actor is alive on the Ray cluster at {self.address} ({reasons or 'none placed'})"
                    )
            waiter = self._loop.create_future()
            self._waiters.append(waiter)
            await waiter

    async def _submit(
        self, slot: Slot, index: int, args: tuple[Any, ...], rows: range, stats: CallStats
    ) -> Outcome:
        attempt = Attempt(rows, stats, self._loop.create_future(), time.monotonic())
        slot.queue.append(attempt)
        stats.depth.setdefault(slot.key, []).append(len(slot.queue))
        try:
            ref = slot.handle.evaluate.remote(index, *args)
        except Exception as exc:  # the handle refused the call (pending-call limit, a dead actor)
            slot.queue.remove(attempt)
            attempt.active = False
            self._actor_lost(slot, None, f"{type(exc).__name__}: {exc}", kill=False)
            return Outcome(False, reason=str(exc))
        ref.future().add_done_callback(lambda f: self._fleet.hop(self._on_result, slot, attempt, f))
        if slot.queue and slot.queue[0] is attempt:
            self._start_clock(slot, attempt)
        outcome = await asyncio.shield(attempt.fut)
        if outcome.ok:
            stats.latencies.append(time.monotonic() - attempt.submitted)
        return outcome

    # -- events (all on the loop) ---------------------------------------------------------------------

    def _start_clock(self, slot: Slot, attempt: Attempt) -> None:
        attempt.started = time.monotonic()
        attempt.timer = self._loop.call_later(self.options.chunk_timeout, self._on_deadline, slot, attempt)

    def _on_result(self, slot: Slot, attempt: Attempt, future: Any) -> None:
        if not attempt.active:  # settled already (its actor was lost): a late answer is not taken
            return
        exc = future.exception()
        if exc is not None and not raised_by_reward(exc):
            # The actor died (or the result is lost): the chunk at the head of its queue was running.
            self._actor_lost(slot, None, reason(exc), kill=False)
            return
        if attempt in slot.queue:
            slot.queue.remove(attempt)
        if exc is None:
            attempt.settle(Outcome(True, future.result()))
        else:  # the reward raised on the actor: the caller gets it, as in-process
            attempt.active = False
            if attempt.timer is not None:
                attempt.timer.cancel()
            if not attempt.fut.done():
                attempt.fut.set_exception(unwrap(exc))
        if slot.queue and slot.queue[0].started is None:
            self._start_clock(slot, slot.queue[0])
        self._wake_all()

    def _on_deadline(self, slot: Slot, attempt: Attempt) -> None:
        if not attempt.active:
            return
        logger.warning(
            "reward %s (node %s) missed the chunk deadline of %g s: killing and restarting it",
            slot.name,
            slot.placement.node_ip,
            self.options.chunk_timeout,
        )
        self._actor_lost(
            slot, attempt, f"missed the {self.options.chunk_timeout:g} s chunk deadline", kill=True
        )

    def _actor_lost(self, slot: Slot, culprit: Attempt | None, why: str, *, kill: bool) -> None:
        """``slot``'s actor died or is being killed: the chunk it was running (``culprit``, else the
        head of its queue) used up a try; the chunks queued behind it are resent as they are."""
        charged = culprit if culprit is not None else (slot.queue[0] if slot.queue else None)
        for attempt in list(slot.queue):
            attempt.settle(Outcome(False, charged=attempt is charged, reason=why))
        slot.queue.clear()
        if slot.state != "dead":
            if charged is not None:
                charged.stats.restarts += 1
            self.restarts += 1
            self._fleet.restart(slot, why, kill=kill)
        self._wake_all()

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _on_loop(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the loop; a concurrent future of its result."""

        async def call() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(call(), self._loop)


# Closed at exit (their actors are killed); a forked child starts without its parent's executors.
_EXECUTORS: PerProcess[tuple[SuiteSpec, ExecutorChoice], RayExecutor] = PerProcess(
    close=lambda executor: executor.close()
)


def get_executor(spec: SuiteSpec, choice: ExecutorChoice) -> RayExecutor:
    """The executor for this selection and choice in this process (its actors started once, on
    :meth:`RayExecutor.start` or the first call).

    >>> from verifiers_core.suite import SuiteSpec
    >>> spec = SuiteSpec.from_options("format", executor="ray", ray_address="10.0.0.1:6379")
    >>> executor = get_executor(spec, spec.executor)
    >>> executor is get_executor(spec.local(), spec.executor), executor.status()
    (True, [])
    >>> executor.close()
    """
    key = (spec.local(), choice)
    return _EXECUTORS.get(
        key, lambda: RayExecutor(spec, choice), usable=lambda executor: not executor._closed
    )


def close_executors() -> None:
    """Close every executor of this process (kills their actors); runs at exit.

    >>> close_executors()
    """
    _EXECUTORS.close_all()


__all__ = ["REPLAN_INTERVAL", "RayExecutor", "close_executors", "get_executor"]
