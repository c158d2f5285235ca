"""The reward actors of one executor: where they go, whether they are up, and their restarts.

Each actor is a slot: its placement (a node), its Ray handle, its state (``starting``, ``ready``,
``recovering``, ``dead``) and the chunks in flight on it (kept by the dispatcher). Actors are created
with ``max_restarts=-1`` and ``max_task_retries=0``: Ray restarts a dead or killed actor on its node,
and never runs a chunk twice by itself (the dispatcher decides retries). A slot is used only after its
actor answers ``ready()`` (built, pools warm); one that cannot start, or does not come back within
``startup_timeout``, is put out of service, and no new actor goes to its node.
All methods run on the executor's loop.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..executor import RayOptions
from ..suite import SuiteSpec
from .actor import RewardActor
from .calls import Outcome, reason
from .cluster import Placement, plan_placement

logger = logging.getLogger("verifiers_core.ray")

#: How often (seconds) the executor looks for nodes that joined the cluster and have no actor yet.
REPLAN_INTERVAL = 30.0


@dataclass(eq=False)
class Slot:
    """One reward actor and the chunks in flight on it (``queue``, oldest first: the running one)."""

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

    @property
    def name(self) -> str:
        return f"actor{self.key}"

    def describe(self) -> dict[str, Any]:
        """The slot as plain data (``RayExecutor.status()``)."""
        return {
            "actor": self.name,
            "node": self.placement.node_id,
            "state": self.state,
            "in_flight": len(self.queue),
            "restarts": self.restarts,
            "pid": self.info.get("pid"),
            "reason": self.reason,
        }


class ActorFleet:
    """The slots of one executor. ``on_change`` is called whenever a slot becomes usable or dead."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        spec: SuiteSpec,
        options: RayOptions,
        on_change: Callable[[], None],
    ) -> None:
        self.loop = loop
        self.spec = spec
        self.options = options
        self.on_change = on_change
        self.slots: list[Slot] = []
        #: Nodes whose actor could not be started or kept: no new actor goes there (a node that
        #: leaves and rejoins comes back under a new id).
        self.broken_nodes: dict[str, str] = {}
        self.last_plan = 0.0
        self._keys = itertools.count()
        self._actor_class: Any = None

    def all_dead(self) -> bool:
        return all(s.state == "dead" for s in self.slots)

    def live(self) -> int:
        return sum(s.state != "dead" for s in self.slots)

    def place(self, placements: Sequence[Placement]) -> None:
        """Start actors for the placements not yet covered by a live actor on the same node."""
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        self.last_plan = time.monotonic()
        have = Counter(s.placement.node_id for s in self.slots if s.state != "dead")
        want: Counter = Counter()
        for placement in placements:
            if placement.node_id in self.broken_nodes:
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
            slot = Slot(next(self._keys), placement, handle)
            self.slots.append(slot)
            self._probe(slot)

    def replan(self, force: bool = False) -> None:
        """Give an actor to nodes that joined since the last look (at most every ``REPLAN_INTERVAL``)."""
        if not force and time.monotonic() - self.last_plan < REPLAN_INTERVAL:
            return
        import ray

        try:
            self.place(plan_placement(ray.nodes(), self.options))
        except Exception as exc:  # the GCS is briefly unreachable: keep the actors we have
            logger.warning("could not list the Ray cluster's nodes: %s", exc)

    def restart(self, slot: Slot, why: str, *, kill: bool) -> None:
        """The actor died (Ray restarts it) or is to be killed (and then restarted): probe it again."""
        slot.restarts += 1
        slot.reason = why
        if kill:
            import ray

            try:
                ray.kill(slot.handle, no_restart=False)
            except Exception as exc:
                logger.warning("could not kill reward %s: %s", slot.name, exc)
        if slot.state != "starting":
            slot.state = "recovering"
            self._probe(slot)

    def bury(self, slot: Slot, why: str) -> None:
        """Put a slot out of service for good (its actor is killed; chunks queued there are resent)."""
        import ray

        logger.warning("reward %s on node %s is out of service: %s", slot.name, slot.placement.node_ip, why)
        slot.state = "dead"
        slot.reason = why
        self.broken_nodes[slot.placement.node_id] = why
        for attempt in list(slot.queue):
            attempt.settle(Outcome(False, reason=why))
        slot.queue.clear()
        try:
            ray.kill(slot.handle, no_restart=True)
        except Exception:
            pass
        self.on_change()

    def shutdown(self) -> None:
        """Kill every actor (their pools die with them)."""
        import ray

        for slot in self.slots:
            for attempt in list(slot.queue):
                attempt.settle(Outcome(False, reason="the executor was closed"))
            slot.queue.clear()
            if slot.state != "dead":
                slot.state, slot.reason = "dead", "closed"
                try:
                    ray.kill(slot.handle, no_restart=True)
                except Exception:
                    pass

    def hop(self, handler: Callable[..., None], *args: Any) -> None:
        """Ray calls future callbacks on its own threads: run ``handler`` on the loop instead."""
        try:
            self.loop.call_soon_threadsafe(handler, *args)
        except RuntimeError:  # the loop is closed: the executor is gone
            pass

    # -- probes -------------------------------------------------------------------------------------

    def _actor_type(self) -> Any:
        if self._actor_class is None:
            import ray

            self._actor_class = ray.remote(max_restarts=-1, max_task_retries=0)(RewardActor)
        return self._actor_class

    def _probe(self, slot: Slot) -> None:
        """Ask the actor whether it is up (built and warm); it is used only once it answers."""
        slot.generation += 1
        slot.probe_deadline = time.monotonic() + self.options.startup_timeout
        slot.probe_failures = 0
        self._send_probe(slot, slot.generation)

    def _send_probe(self, slot: Slot, generation: int) -> None:
        try:
            ref = slot.handle.ready.remote()
        except Exception as exc:
            self._on_probe_failed(slot, generation, exc)
            return
        ref.future().add_done_callback(lambda f: self.hop(self._on_probe, slot, generation, f))
        remaining = slot.probe_deadline - time.monotonic()
        self.loop.call_later(max(0.0, remaining), self._on_probe_expired, slot, generation)

    def _on_probe(self, slot: Slot, generation: int, future: Any) -> None:
        if generation != slot.generation or slot.state not in ("starting", "recovering"):
            return
        exc = future.exception()
        if exc is None:
            slot.state = "ready"
            slot.info = dict(future.result())
            self.on_change()
            return
        self._on_probe_failed(slot, generation, exc)

    def _on_probe_failed(self, slot: Slot, generation: int, exc: BaseException) -> None:
        if getattr(exc, "actor_init_failed", False) or type(exc).__name__ == "ActorUnschedulableError":
            self.bury(slot, f"failed to start: {reason(exc)}")
            return
        slot.probe_failures += 1
        if time.monotonic() >= slot.probe_deadline:
            self.bury(slot, f"not back within {self.options.startup_timeout:g} s: {reason(exc)}")
            return
        # Restarting (or not yet known dead): ask again a little later.
        delay = min(2.0, 0.1 * 2**slot.probe_failures)
        slot.generation += 1
        self.loop.call_later(delay, self._send_probe, slot, slot.generation)

    def _on_probe_expired(self, slot: Slot, generation: int) -> None:
        if generation != slot.generation or slot.state not in ("starting", "recovering"):
            return
        self.bury(
            slot,
            f"not ready within {self.options.startup_timeout:g} s (its node may lack free CPUs"
            + (f" or the resource {self.options.resource!r}" if self.options.resource else "")
            + ")",
        )


__all__ = ["REPLAN_INTERVAL", "ActorFleet", "Slot"]
