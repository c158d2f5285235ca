"""The driver side of the Ray executor: reward actors, chunks in flight, deadlines, retries.

One :class:`RayExecutor` per selection and process (:func:`get_executor`) owns the reward actors and
an asyncio loop on a background thread where all of its bookkeeping happens, so calls from several
threads (TRL gathers async rewards on its own loop) share the actors without locks:

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
import atexit
import itertools
import logging
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..executor import ExecutorChoice
from ..reward import Reward
from ..suite import SuiteSpec
from .actor import ChunkResult, RewardActor
from .chunks import auto_chunk_rows, plan_chunks
from .cluster import Placement, RayExecutorError, check_cluster, plan_placement

logger = logging.getLogger("verifiers_core.ray")

#: How often (seconds) a call looks for nodes that joined the cluster and have no actor yet.
REPLAN_INTERVAL = 30.0


@dataclass
class Payload:
    """One reward call's inputs, aligned row by row."""

    completions: list[Any]
    prompts: list[Any] | None
    completion_ids: list[Any] | None
    columns: dict[str, Any]

    @property
    def n(self) -> int:
        return len(self.completions)

    def rows(self, r: range) -> tuple[list[Any], list[Any] | None, list[Any] | None, dict[str, Any]]:
        """The slice of every input for the rows in ``r``."""
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
class _CallStats:
    retries: int = 0
    timeout_rows: int = 0
    restarts: int = 0
    latencies: list[float] = field(default_factory=list)
    depth: dict[int, list[int]] = field(default_factory=dict)


@dataclass
class _Outcome:
    ok: bool
    result: ChunkResult | None = None
    charged: bool = False  # this attempt used up a try (it was running when its actor failed)
    reason: str = ""


@dataclass(eq=False)
class _Attempt:
    rows: range
    stats: _CallStats
    fut: asyncio.Future
    submitted: float
    started: float | None = None
    active: bool = True
    timer: asyncio.TimerHandle | None = None


@dataclass(eq=False)
class _Slot:
    key: int
    placement: Placement
    handle: Any
    state: str = "starting"  # starting | ready | recovering | dead
    queue: deque = field(default_factory=deque)
    generation: int = 0
    probe_deadline: float = 0.0
    probe_failures: int = 0
    restarts: int = 0
    last_used: int = 0
    info: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


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
        self._slots: list[_Slot] = []
        #: Nodes whose actor could not be started or kept: no new actor goes there (a node that
        #: leaves and rejoins comes back under a new id).
        self._broken_nodes: dict[str, str] = {}
        self._waiters: list[asyncio.Future] = []
        self._keys = itertools.count()
        self._uses = itertools.count(1)
        self._start_lock = threading.Lock()
        self._started = False
        self._closed = False
        self._last_plan = 0.0
        self._actor_class: Any = None
        self._loop = asyncio.new_event_loop()
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
            self._on_loop(self._place, placements).result()
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
        import ray

        for slot in self._slots:
            self._settle_queue(slot, None, "the executor was closed")
            if slot.state != "dead":
                slot.state = "dead"
                slot.reason = "closed"
                try:
                    ray.kill(slot.handle, no_restart=True)
                except Exception:
                    pass
        self._wake_all()

    def status(self) -> list[dict[str, Any]]:
        """One entry per actor slot: key, node, state, chunks in flight, restarts, last failure."""

        def collect() -> list[dict[str, Any]]:
            return [
                {
                    "actor": f"actor{s.key}",
                    "node": s.placement.node_id,
                    "state": s.state,
                    "in_flight": len(s.queue),
                    "restarts": s.restarts,
                    "pid": s.info.get("pid"),
                    "reason": s.reason,
                }
                for s in self._slots
            ]

        return self._on_loop(collect).result()

    def actor_handles(self) -> dict[str, Any]:
        """The Ray handles of the live actors by name (``actor0``, ...), for tests and diagnostics."""
        return self._on_loop(
            lambda: {f"actor{s.key}": s.handle for s in self._slots if s.state != "dead"}
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
        if time.monotonic() - self._last_plan > REPLAN_INTERVAL:
            self._replan()
        live = sum(s.state != "dead" for s in self._slots)
        target = self.options.chunk_rows or auto_chunk_rows(n, live)
        chunks = plan_chunks(n, payload.prompts, payload.columns, target)
        stats = _CallStats()
        tasks = [asyncio.ensure_future(self._run_chunk(index, local, payload, r, stats)) for r in chunks]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            raise
        return self._assemble(n, chunks, results, stats)

    def _assemble(
        self, n: int, chunks: Sequence[range], results: Sequence[ChunkResult], stats: _CallStats
    ) -> CallResult:
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

    async def _run_chunk(
        self, index: int, local: Any, payload: Payload, rows: range, stats: _CallStats
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

    async def _acquire(self, avoid: int | None) -> _Slot:
        limit = self.options.max_in_flight
        while True:
            ready = [s for s in self._slots if s.state == "ready"]
            pool = [s for s in ready if s.key != avoid] or ready
            free = [s for s in pool if len(s.queue) < limit]
            if free:
                slot = min(free, key=lambda s: (len(s.queue), s.last_used))
                slot.last_used = next(self._uses)
                return slot
            if all(s.state == "dead" for s in self._slots):
                self._replan(force=True)  # nodes that joined since; never a node whose actor failed
                if all(s.state == "dead" for s in self._slots):
                    reasons = "; ".join(
                        f"actor{s.key} on {s.placement.node_ip}: {s.reason}" for s in self._slots
                    )
                    raise RayExecutorError(
                        f"no reward actor is alive on the Ray cluster at {self.address} ({reasons or 'none placed'})"
                    )
            waiter = self._loop.create_future()
            self._waiters.append(waiter)
            await waiter

    async def _submit(
        self, slot: _Slot, index: int, args: tuple[Any, ...], rows: range, stats: _CallStats
    ) -> _Outcome:
        attempt = _Attempt(rows, stats, self._loop.create_future(), time.monotonic())
        slot.queue.append(attempt)
        stats.depth.setdefault(slot.key, []).append(len(slot.queue))
        try:
            ref = slot.handle.evaluate.remote(index, *args)
        except Exception as exc:  # the handle refused the call (pending-call limit, a dead actor)
            slot.queue.remove(attempt)
            attempt.active = False
            self._actor_lost(slot, None, f"{type(exc).__name__}: {exc}", kill=False)
            return _Outcome(False, reason=str(exc))
        ref.future().add_done_callback(lambda f: self._from_ray(self._on_result, slot, attempt, f))
        if slot.queue and slot.queue[0] is attempt:
            self._start_clock(slot, attempt)
        outcome = await asyncio.shield(attempt.fut)
        if outcome.ok:
            stats.latencies.append(time.monotonic() - attempt.submitted)
        return outcome

    # -- events (all on the loop) ---------------------------------------------------------------------

    def _start_clock(self, slot: _Slot, attempt: _Attempt) -> None:
        attempt.started = time.monotonic()
        attempt.timer = self._loop.call_later(self.options.chunk_timeout, self._on_deadline, slot, attempt)

    def _on_result(self, slot: _Slot, attempt: _Attempt, future: Any) -> None:
        if not attempt.active:  # settled already (its actor was lost): a late answer is not taken
            return
        exc = future.exception()
        if exc is not None and not _raised_by_reward(exc):
            # The actor died (or the result is lost): the chunk at the head of its queue was running.
            self._actor_lost(slot, None, _reason(exc), kill=False)
            return
        attempt.active = False
        if attempt.timer is not None:
            attempt.timer.cancel()
        if attempt in slot.queue:
            slot.queue.remove(attempt)
        if exc is None:
            _settle(attempt, _Outcome(True, future.result()))
        elif not attempt.fut.done():  # the reward raised on the actor: the caller gets it, as in-process
            attempt.fut.set_exception(_unwrap(exc))
        self._advance(slot)

    def _on_deadline(self, slot: _Slot, attempt: _Attempt) -> None:
        if not attempt.active:
            return
        logger.warning(
            "reward actor%d (node %s) missed the chunk deadline of %g s: killing and restarting it",
            slot.key,
            slot.placement.node_ip,
            self.options.chunk_timeout,
        )
        self._actor_lost(
            slot, attempt, f"missed the {self.options.chunk_timeout:g} s chunk deadline", kill=True
        )

    def _actor_lost(self, slot: _Slot, culprit: _Attempt | None, reason: str, *, kill: bool) -> None:
        """``slot``'s actor died or is being killed: settle its queue, let Ray restart it, probe it."""
        if slot.state == "dead":
            self._settle_queue(slot, culprit, reason)
            return
        charged = culprit if culprit is not None else (slot.queue[0] if slot.queue else None)
        if charged is not None:
            charged.stats.restarts += 1
        self._settle_queue(slot, charged, reason)
        slot.restarts += 1
        self.restarts += 1
        slot.reason = reason
        if kill:
            import ray

            try:
                ray.kill(slot.handle, no_restart=False)  # Ray restarts it (max_restarts=-1)
            except Exception as exc:
                logger.warning("could not kill reward actor%d: %s", slot.key, exc)
        if slot.state != "starting":
            slot.state = "recovering"
            self._probe(slot)
        self._wake_all()

    def _settle_queue(self, slot: _Slot, charged: _Attempt | None, reason: str) -> None:
        for attempt in list(slot.queue):
            attempt.active = False
            if attempt.timer is not None:
                attempt.timer.cancel()
            _settle(attempt, _Outcome(False, charged=attempt is charged, reason=reason))
        slot.queue.clear()

    def _advance(self, slot: _Slot) -> None:
        if slot.queue and slot.queue[0].started is None:
            self._start_clock(slot, slot.queue[0])
        self._wake_all()

    def _wake_all(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _from_ray(self, handler: Any, *args: Any) -> None:
        """Ray calls future callbacks on its own threads: hop onto the loop."""
        try:
            self._loop.call_soon_threadsafe(handler, *args)
        except RuntimeError:  # the loop is closed: the executor is gone
            pass

    # -- actors ---------------------------------------------------------------------------------------

    def _actor_type(self) -> Any:
        if self._actor_class is None:
            import ray

            self._actor_class = ray.remote(max_restarts=-1, max_task_retries=0)(RewardActor)
        return self._actor_class

    def _place(self, placements: Sequence[Placement]) -> None:
        """Start actors for the placements not yet covered by a live actor on the same node."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        self._last_plan = time.monotonic()
        have = Counter(s.placement.node_id for s in self._slots if s.state != "dead")
        want: Counter = Counter()
        for placement in placements:
            if placement.node_id in self._broken_nodes:
                continue
            want[placement.node_id] += 1
            if want[placement.node_id] <= have[placement.node_id]:
                continue
            resources = {self.options.resource: 0.001} if self.options.resource else None
            handle = (
                self._actor_type()
                .options(
                    num_cpus=placement.reserve_cpus,
                    resources=resources,
                    scheduling_strategy=NodeAffinitySchedulingStrategy(placement.node_id, soft=False),
                    max_pending_calls=self.options.max_in_flight + 2,
                )
                .remote(self.spec, placement.workers)
            )
            slot = _Slot(next(self._keys), placement, handle)
            self._slots.append(slot)
            self._probe(slot)

    def _replan(self, force: bool = False) -> None:
        """Give an actor to nodes that joined since the last look (and to nodes whose actor died)."""
        if not force and time.monotonic() - self._last_plan < REPLAN_INTERVAL:
            return
        import ray

        try:
            self._place(plan_placement(ray.nodes(), self.options))
        except Exception as exc:  # the GCS is briefly unreachable: keep the actors we have
            logger.warning("could not list the Ray cluster's nodes: %s", exc)

    def _probe(self, slot: _Slot) -> None:
        """Ask the actor whether it is up (built and warm); it is used only once it answers."""
        slot.generation += 1
        generation = slot.generation
        slot.probe_deadline = time.monotonic() + self.options.startup_timeout
        slot.probe_failures = 0
        self._send_probe(slot, generation)

    def _send_probe(self, slot: _Slot, generation: int) -> None:
        try:
            ref = slot.handle.ready.remote()
        except Exception as exc:
            self._on_probe_failed(slot, generation, exc)
            return
        ref.future().add_done_callback(lambda f: self._from_ray(self._on_probe, slot, generation, f))
        remaining = slot.probe_deadline - time.monotonic()
        self._loop.call_later(max(0.0, remaining), self._on_probe_expired, slot, generation)

    def _on_probe(self, slot: _Slot, generation: int, future: Any) -> None:
        if generation != slot.generation or slot.state not in ("starting", "recovering"):
            return
        exc = future.exception()
        if exc is None:
            slot.state = "ready"
            slot.info = dict(future.result())
            self._wake_all()
            return
        self._on_probe_failed(slot, generation, exc)

    def _on_probe_failed(self, slot: _Slot, generation: int, exc: BaseException) -> None:
        if getattr(exc, "actor_init_failed", False) or type(exc).__name__ == "ActorUnschedulableError":
            self._bury(slot, f"failed to start: {_reason(exc)}")
            return
        slot.probe_failures += 1
        if time.monotonic() >= slot.probe_deadline:
            self._bury(slot, f"not back within {self.options.startup_timeout:g} s: {_reason(exc)}")
            return
        # Restarting (or not yet known dead): ask again a little later.
        delay = min(2.0, 0.1 * 2**slot.probe_failures)
        slot.generation += 1
        self._loop.call_later(delay, self._send_probe, slot, slot.generation)

    def _on_probe_expired(self, slot: _Slot, generation: int) -> None:
        if generation != slot.generation or slot.state not in ("starting", "recovering"):
            return
        self._bury(
            slot,
            f"not ready within {self.options.startup_timeout:g} s (its node may lack free CPUs"
            + (f" or the resource {self.options.resource!r}" if self.options.resource else "")
            + ")",
        )

    def _bury(self, slot: _Slot, reason: str) -> None:
        import ray

        logger.warning(
            "reward actor%d on node %s is out of service: %s", slot.key, slot.placement.node_ip, reason
        )
        slot.state = "dead"
        slot.reason = reason
        self._broken_nodes[slot.placement.node_id] = reason
        self._settle_queue(slot, None, reason)
        try:
            ray.kill(slot.handle, no_restart=True)
        except Exception:
            pass
        self._wake_all()

    def _on_loop(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the loop; a concurrent future of its result."""

        async def call() -> Any:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(call(), self._loop)


def _settle(attempt: _Attempt, outcome: _Outcome) -> None:
    if not attempt.fut.done():
        attempt.fut.set_result(outcome)


def _raised_by_reward(exc: BaseException) -> bool:
    """Whether a failed call means the reward itself raised (not that its actor or result was lost)."""
    from ray.exceptions import RayActorError, RayTaskError

    return isinstance(exc, RayTaskError) and not isinstance(exc, RayActorError)


def _unwrap(exc: BaseException) -> BaseException:
    """A reward's own exception raised on the actor, as an instance of its original class."""
    try:
        return exc.as_instanceof_cause()  # type: ignore[attr-defined]
    except Exception:
        return exc


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _reason(exc: BaseException) -> str:
    """One line saying why a call failed: for an actor whose start raised, that exception's own line.

    >>> _reason(RuntimeError("The actor died\\n  File x\\nverifiers_core.errors.UnknownRewardError: unknown reward 'x'"))
    'RuntimeError: The actor died'
    """
    lines = [line.strip() for line in _ANSI.sub("", str(exc)).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    if getattr(exc, "actor_init_failed", False):
        return lines[-1][:500]
    return f"{type(exc).__name__}: {lines[0]}"[:300]


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


_EXECUTORS: dict[tuple[SuiteSpec, ExecutorChoice], RayExecutor] = {}
_EXECUTORS_LOCK = threading.Lock()


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
    with _EXECUTORS_LOCK:
        executor = _EXECUTORS.get(key)
        if executor is None or executor._closed:
            executor = _EXECUTORS[key] = RayExecutor(spec, choice)
        return executor


def close_executors() -> None:
    """Close every executor of this process (kills their actors); runs at exit.

    >>> close_executors()
    """
    with _EXECUTORS_LOCK:
        executors = list(_EXECUTORS.values())
        _EXECUTORS.clear()
    for executor in executors:
        executor.close()


atexit.register(close_executors)


__all__ = ["CallResult", "Payload", "RayExecutor", "close_executors", "get_executor", "timeout_result"]
