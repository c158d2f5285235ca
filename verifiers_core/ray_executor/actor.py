"""The reward actor: one process per node (or per N CPUs) holding the built rewards and their pools.

It builds the selection once (through :func:`~verifiers_core.suite.SuiteSpec.build`, the one scoring
path), starts the rewards' warm pools (math workers, code sandboxes) sized to the CPUs it stands for,
and then scores chunks with the reward's own :meth:`~verifiers_core.Reward.evaluate`, exactly as in
the driver's process. The class is plain Python; :mod:`verifiers_core.ray_executor.dispatch` turns it
into a Ray actor with its placement options.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..reward import Reward, Scored, check_values
from ..suite import SuiteSpec


@dataclass
class ChunkResult:
    """One chunk scored by one reward on an actor: what :class:`~verifiers_core.reward.Scored` holds,
    plus the columns the reward sent to ``log_extra`` and the time it took there."""

    values: list[float | None]
    counts: dict[str, float] = field(default_factory=dict)
    row_counts: dict[int, dict[str, float]] = field(default_factory=dict)
    extras: dict[str, list[Any]] = field(default_factory=dict)
    seconds: float = 0.0


def sized_spec(spec: SuiteSpec, workers: int) -> SuiteSpec:
    """The selection with ``workers=<workers>`` for each reward that has a ``workers`` parameter
    the user left unset, so an actor's pools match the CPUs it stands for.

    >>> from verifiers_core.suite import SuiteSpec
    >>> sized_spec(SuiteSpec.from_options("format"), 4) == SuiteSpec.from_options("format")
    True
    """
    from ..registry import get_registry

    registry = get_registry()
    choices = spec.to_choices()
    for choice in choices:
        if "workers" in choice.args:
            continue
        try:
            params = registry.resolve(choice.name).params
        except Exception:  # an unknown name fails with its own message when the suite is built
            continue
        if any(p.name == "workers" for p in params):
            choice.args["workers"] = int(workers)
    return replace(SuiteSpec.from_choices(choices), executor=spec.executor)


class RewardActor:
    """Built rewards with warm pools, scoring chunks. ``workers``: the CPUs this actor stands for."""

    def __init__(self, spec: SuiteSpec, workers: int) -> None:
        started = time.perf_counter()
        self.workers = max(1, int(workers))
        self.suite = sized_spec(spec, self.workers).build()
        for reward in self.suite.rewards:
            warm = getattr(reward, "warm", None)
            if callable(warm):
                warm()
        self.startup_seconds = time.perf_counter() - started

    def ready(self) -> dict[str, Any]:
        """Answered once the rewards are built and warm: who and where this actor is."""
        node = None
        try:
            import ray

            node = ray.get_runtime_context().get_node_id()
        except Exception:
            pass
        return {
            "pid": os.getpid(),
            "node": node,
            "workers": self.workers,
            "rewards": list(self.suite.keys),
            "startup_seconds": round(self.startup_seconds, 3),
        }

    def evaluate(
        self,
        index: int,
        completions: Sequence[Any],
        prompts: Sequence[Any] | None,
        completion_ids: Sequence[Any] | None,
        columns: dict[str, list[Any]],
    ) -> ChunkResult:
        """Score one chunk with reward ``index`` of the selection."""
        started = time.perf_counter()
        reward = self.suite.rewards[index]
        extras: dict[str, list[Any]] = {}

        def log_extra(column: str, values: list) -> None:
            extras[column] = list(values)

        if isinstance(reward, Reward):
            scored = reward.evaluate(
                completions,
                prompts=prompts,
                completion_ids=completion_ids,
                columns=columns,
                log_extra=log_extra,
            )
        else:  # not built by the registry (which always gives a Reward): TRL's keyword call
            counts: Counter = Counter()
            prefix = f"{getattr(reward, '__name__', '')}/"

            def log_metric(name: str, value: float) -> None:
                counts[name.removeprefix(prefix)] += value

            values = reward(
                prompts=prompts,
                completions=completions,
                completion_ids=completion_ids,
                log_metric=log_metric,
                log_extra=log_extra,
                **columns,
            )
            scored = Scored(
                check_values(getattr(reward, "__name__", "reward"), values, len(completions)), counts
            )
        return ChunkResult(
            values=list(scored.values),
            counts={k: float(v) for k, v in scored.counts.items()},
            row_counts={int(i): {k: float(v) for k, v in c.items()} for i, c in scored.row_counts.items()},
            extras=extras,
            seconds=time.perf_counter() - started,
        )


__all__ = ["ChunkResult", "RewardActor", "sized_spec"]
