"""One scoring path for rows: a picklable reward suite, built once per process.

``python -m verifiers_core score``, the trainer integrations (veRL, OpenRLHF, slime, AReaL,
PrimeIntellect's verifiers), the reward server and the Ray executor all score through this
module, so a row gets the same values whichever way it arrives.

A row is a mapping with ``completion`` (a string or a message list), optionally ``prompt`` and
``completion_ids``, and the columns the rewards read (``solution``, ``verification_info``, ...).

A :class:`SuiteSpec` is the selection (names, weights, parameters); it is small, picklable and
hashable, and :func:`get_suite` builds it once per process (the rewards' warm pools with it). A
:class:`RewardSuite` pickles as its spec: a copy in another process rebuilds there.

Where a framework cannot pass our options, they come from the environment
(:meth:`SuiteSpec.from_env`): ``VERIFIERS_CORE_REWARDS`` (the ``--rewards`` syntax),
``VERIFIERS_CORE_REWARD_WEIGHTS``, ``VERIFIERS_CORE_REWARD_ARGS`` (space-separated
``NAME.KEY=VALUE``) and ``VERIFIERS_CORE_CONFIG`` (a YAML file with ``rewards:``); options passed
as keyword arguments win over the environment.

The spec also says where the rewards run (:mod:`verifiers_core.executor`): in this process, or on
a Ray cluster (``executor="ray"``; ``VERIFIERS_CORE_REWARD_EXECUTOR``, ``VERIFIERS_CORE_RAY_ADDRESS``,
``VERIFIERS_CORE_RAY_OPTIONS``), in which case :meth:`SuiteSpec.build` gives remote rewards that score
through the same path on the reward actors.

>>> from verifiers_core.testing import isolated_registry
>>> from verifiers_core.testing.examples import ExamplePlugin
>>> with isolated_registry() as registry:
...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
...     suite = SuiteSpec.from_options(rewards="exact_answer").build(registry)
...     result = suite.score_rows([{"completion": "4", "solution": "4"}, {"completion": "<think>cut", "solution": "4"}])
>>> [(r.total, r.rewards) for r in result.rows]
[(1.0, {'exact_answer': 1.0}), (0.0, {'exact_answer': 0.0})]
>>> result.rows[1].counts
{'exact_answer/no_answer': 1.0}
"""

from __future__ import annotations

import json
import math
import os
import shlex
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import MissingColumnError, RewardContractError, RewardSelectionError
from .executor import LOCAL, ExecutorChoice, build_executor
from .reward import TRAINER_KEYWORDS, Reward, Scored, check_values
from .selection import ResolvedRewards, RewardChoice, build_choices, resolve

#: Row keys that are not columns handed to rewards.
ROW_KEYS = frozenset({"completion", "prompt", "completion_ids", "expected", "rewards", "total_reward"})

#: Environment variables read by :meth:`SuiteSpec.from_env`.
ENV_REWARDS = "VERIFIERS_CORE_REWARDS"
ENV_WEIGHTS = "VERIFIERS_CORE_REWARD_WEIGHTS"
ENV_ARGS = "VERIFIERS_CORE_REWARD_ARGS"
ENV_CONFIG = "VERIFIERS_CORE_CONFIG"
ENV_EXECUTOR = "VERIFIERS_CORE_REWARD_EXECUTOR"
ENV_RAY_ADDRESS = "VERIFIERS_CORE_RAY_ADDRESS"
ENV_RAY_OPTIONS = "VERIFIERS_CORE_RAY_OPTIONS"


@dataclass(frozen=True)
class SuiteSpec:
    """A reward selection as plain data: picklable, comparable, and the key of the per-process cache.

    >>> spec = SuiteSpec.from_options(rewards="accuracy,format", reward_weights="1,0.5",
    ...                               reward_args=["accuracy.timeout=2"])
    >>> spec.names, spec.weights
    (['accuracy', 'format'], [1.0, 0.5])
    """

    choices: tuple[tuple[str, float, str], ...]  # (name, weight, args as sorted JSON)
    #: Where the rewards run: this process (the default) or a Ray cluster.
    executor: ExecutorChoice = LOCAL

    @classmethod
    def from_choices(
        cls, choices: Sequence[RewardChoice], executor: ExecutorChoice | None = None
    ) -> SuiteSpec:
        """Freeze a list of :class:`~verifiers_core.selection.RewardChoice`."""
        return cls(
            tuple(
                (c.name, float(c.weight), json.dumps(c.args, sort_keys=True, default=str)) for c in choices
            ),
            executor or LOCAL,
        )

    @classmethod
    def from_options(
        cls,
        rewards: str | Sequence[Any] | None = None,
        reward_weights: str | Sequence[Any] | None = None,
        reward_args: Any = (),
        config: Any = None,
        *,
        executor: str | None = None,
        ray_address: str | None = None,
        ray_options: Any = None,
    ) -> SuiteSpec:
        """The selection from the command-line forms (and/or a config: a path, a YAML string or a
        mapping with ``rewards:`` and optionally ``reward_executor``, ``ray_address``,
        ``ray_options``), by the one rule of :func:`~verifiers_core.selection.build_choices`.

        >>> SuiteSpec.from_options("accuracy", executor="ray", ray_address="10.0.0.1:6379").executor.kind
        'ray'
        """
        if isinstance(reward_args, str):
            reward_args = shlex.split(reward_args)
        config = _read_config(config)
        if isinstance(config, str):
            import yaml

            try:
                config = yaml.safe_load(config)
            except yaml.YAMLError as exc:
                raise RewardSelectionError(f"reward config is not valid YAML: {exc}") from None
        # A config may hold only where to run (reward_executor: ray) while --rewards names the rewards.
        selection = None if isinstance(config, Mapping) and "rewards" not in config else config
        return cls.from_choices(
            build_choices(rewards, reward_weights, reward_args or (), selection),
            build_executor(executor, ray_address, ray_options, config),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> SuiteSpec:
        """The selection from keyword options, falling back to ``VERIFIERS_CORE_*`` variables.

        Each option given (not ``None``) wins over its variable; ``config`` replaces the variables'
        selection only where ``rewards`` is not given either way.

        >>> SuiteSpec.from_env({"VERIFIERS_CORE_REWARDS": "format", "VERIFIERS_CORE_REWARD_WEIGHTS": "2"}).weights
        [2.0]
        >>> SuiteSpec.from_env({"VERIFIERS_CORE_REWARDS": "format"}, rewards="accuracy").names
        ['accuracy']
        >>> SuiteSpec.from_env({})
        Traceback (most recent call last):
        ...
        verifiers_core.errors.RewardSelectionError: no reward selected: set VERIFIERS_CORE_REWARDS (e.g. accuracy,format) or VERIFIERS_CORE_CONFIG (a YAML file with 'rewards:'), or pass rewards=...
        """
        env = os.environ if environ is None else environ
        rewards = options.get("rewards")
        config = options.get("config")
        if rewards is None and config is None:
            rewards = env.get(ENV_REWARDS) or None
            config = env.get(ENV_CONFIG) or None
        if rewards is None and config is None:
            raise RewardSelectionError(
                f"no reward selected: set {ENV_REWARDS} (e.g. accuracy,format) or {ENV_CONFIG} "
                "(a YAML file with 'rewards:'), or pass rewards=..."
            )
        weights = options.get("reward_weights")
        if weights is None:
            weights = env.get(ENV_WEIGHTS) or None
        args = options.get("reward_args")
        if args is None:
            args = env.get(ENV_ARGS, "")
        executor = options.get("executor")
        if executor is None:
            executor = env.get(ENV_EXECUTOR) or None
        address = options.get("ray_address")
        if address is None:
            address = env.get(ENV_RAY_ADDRESS) or None
        ray_options = options.get("ray_options")
        if ray_options is None:
            ray_options = env.get(ENV_RAY_OPTIONS) or None
        return cls.from_options(
            rewards, weights, args, config, executor=executor, ray_address=address, ray_options=ray_options
        )

    @property
    def names(self) -> list[str]:
        return [name for name, _, _ in self.choices]

    @property
    def weights(self) -> list[float]:
        return [weight for _, weight, _ in self.choices]

    def to_choices(self) -> list[RewardChoice]:
        """Back to mutable choices."""
        return [RewardChoice(name, weight, json.loads(args)) for name, weight, args in self.choices]

    def local(self) -> SuiteSpec:
        """The same selection, run in this process (what a reward actor builds).

        >>> SuiteSpec.from_options("format", executor="ray").local().executor.kind
        'local'
        """
        return self if self.executor == LOCAL else replace(self, executor=LOCAL)

    def build(self, registry: Any = None) -> RewardSuite:
        """Build the suite (each call builds anew; :func:`get_suite` caches per process). With the
        Ray executor its rewards are remote ones (:class:`~verifiers_core.ray_executor.RayReward`)."""
        resolved = resolve(self.to_choices(), registry)
        if self.executor.is_ray:
            from .selection import on_executor

            resolved = on_executor(resolved, self)
        return RewardSuite(resolved, spec=self)


def _read_config(config: Any) -> Any:
    """A config given as a path is read; a YAML string or a mapping is passed on."""
    if isinstance(config, os.PathLike) or (
        isinstance(config, str) and "\n" not in config and config.endswith((".yaml", ".yml", ".json"))
    ):
        path = Path(config)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RewardSelectionError(f"reward config {path}: {exc.strerror or exc}") from None
    return config


_CACHE: dict[SuiteSpec, RewardSuite] = {}
_CACHE_LOCK = threading.Lock()


def get_suite(spec: SuiteSpec) -> RewardSuite:
    """The suite for ``spec`` in this process, built on first use (rewards and their pools once).

    >>> from verifiers_core.testing import isolated_registry
    >>> from verifiers_core.testing.examples import ExamplePlugin
    >>> with isolated_registry() as registry:
    ...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
    ...     spec = SuiteSpec.from_options(rewards="exact_answer")
    ...     get_suite(spec) is get_suite(spec)
    True
    """
    with _CACHE_LOCK:
        suite = _CACHE.get(spec)
        if suite is None:
            suite = _CACHE[spec] = spec.build()
        return suite


def clear_suites() -> None:
    """Forget the suites built in this process (tests; a changed registry)."""
    with _CACHE_LOCK:
        _CACHE.clear()


@dataclass
class RowScore:
    """One row's outcome: the weighted total (``None`` when no reward scored it), each reward's value
    by output key, and the events the rewards attributed to this row (``"<key>/<what>": n``)."""

    total: float | None
    rewards: dict[str, float | None]
    counts: dict[str, float] = field(default_factory=dict)


@dataclass
class RewardOutcome:
    """One reward over one call: its values, its counters and the time it took."""

    key: str
    values: list[float | None]
    counts: Counter = field(default_factory=Counter)
    #: Events the reward attributed to single rows: ``row_counts[i][what]``.
    row_counts: dict[int, Counter] = field(default_factory=dict)
    seconds: float = 0.0
    #: Set when the reward failed on the whole batch (its rows are ``None`` and counted as errors).
    failure: str | None = None


@dataclass
class SuiteResult:
    """What :meth:`RewardSuite.score_rows` returns: one :class:`RowScore` per row, in order, and each
    reward's :class:`RewardOutcome`."""

    rows: list[RowScore]
    outcomes: list[RewardOutcome]


class RewardSuite:
    """Built rewards with their weights, scoring rows. Pickles as its spec.

    ``errors="raise"`` (the default) lets a missing column or a broken contract surface as the
    user's error; ``errors="count"`` gives every row of such a reward ``low`` and counts it, for
    callers that must never stop (a trainer's reward loop, a server).
    """

    def __init__(self, resolved: ResolvedRewards, spec: SuiteSpec | None = None) -> None:
        self.rewards: list[Any] = list(resolved.rewards)
        self.weights: list[float] = list(resolved.weights)
        self.spec = spec
        self.keys = output_keys(self.rewards)

    def __reduce__(self) -> tuple[Any, ...]:
        if self.spec is None:
            raise TypeError("a RewardSuite built without a SuiteSpec cannot be pickled")
        return (get_suite, (self.spec,))

    def score_rows(self, rows: Sequence[Mapping[str, Any]], *, errors: str = "raise") -> SuiteResult:
        """Score ``rows`` with every reward; one :class:`RowScore` per row, in order."""
        n = len(rows)
        completions = [row.get("completion") for row in rows]
        prompts = [row.get("prompt", [] if isinstance(row.get("completion"), list) else "") for row in rows]
        names: list[str] = []
        for row in rows:
            names += [k for k in row if k not in ROW_KEYS and k not in names and k not in TRAINER_KEYWORDS]
        columns = {name: [row.get(name) for row in rows] for name in names}
        ids = [row.get("completion_ids") for row in rows]
        completion_ids = ids if n and all(isinstance(i, list) for i in ids) else None
        outcomes = [
            self._run(reward, key, completions, prompts, completion_ids, columns, errors)
            for reward, key in zip(self.rewards, self.keys)
        ]
        out: list[RowScore] = []
        for i in range(n):
            values = {o.key: o.values[i] for o in outcomes}
            scored = [(w, o.values[i]) for w, o in zip(self.weights, outcomes) if o.values[i] is not None]
            total = math.fsum(w * v for w, v in scored) if scored else None
            counts: dict[str, float] = {}
            for o in outcomes:
                for what, k in o.row_counts.get(i, {}).items():
                    counts[f"{o.key}/{what}"] = float(k)
            out.append(RowScore(total, values, counts))
        return SuiteResult(out, outcomes)

    def _run(
        self,
        reward: Any,
        key: str,
        completions: list[Any],
        prompts: list[Any],
        completion_ids: list[Any] | None,
        columns: dict[str, list[Any]],
        errors: str,
    ) -> RewardOutcome:
        n = len(completions)
        start = time.perf_counter()
        outcome = RewardOutcome(key, [None] * n)
        try:
            if isinstance(reward, Reward):
                scored = reward.evaluate(
                    completions, prompts=prompts, completion_ids=completion_ids, columns=columns
                )
            else:  # a plain callable (or a wrapper of one): TRL's keyword call, counters via log_metric
                counts: Counter = Counter()
                prefix = f"{getattr(reward, '__name__', key)}/"

                def log_metric(name: str, value: float) -> None:
                    counts[name.removeprefix(prefix)] += value

                values = reward(
                    prompts=prompts,
                    completions=completions,
                    completion_ids=completion_ids,
                    log_metric=log_metric,
                    **columns,
                )
                scored = Scored(check_values(key, values, n), counts, {})
            outcome.values = scored.values
            outcome.counts.update(scored.counts)
            outcome.row_counts = scored.row_counts
        except (MissingColumnError, RewardContractError) as exc:
            if errors == "raise":
                raise
            outcome.failure = str(exc)
            outcome.values = [float(getattr(reward, "low", 0.0))] * n
            outcome.counts["errors"] += n
        except Exception as exc:  # a failing reward must not stop the others
            outcome.failure = f"{type(exc).__name__}: {exc}"[:300]
            outcome.values = [None] * n if errors == "raise" else [float(getattr(reward, "low", 0.0))] * n
            outcome.counts["errors"] += n
        outcome.seconds = time.perf_counter() - start
        return outcome


def output_keys(rewards: Sequence[Any]) -> list[str]:
    """Keys of the per-reward values: reward names, made unique when a reward is chosen twice.

    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> output_keys([ExactAnswer(), ExactAnswer()])
    ['exact_answer', 'exact_answer#2']
    """
    seen: Counter = Counter()
    keys = []
    for reward in rewards:
        name = getattr(reward, "__name__", type(reward).__name__)
        seen[name] += 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys


__all__ = [
    "ENV_ARGS",
    "ENV_CONFIG",
    "ENV_EXECUTOR",
    "ENV_RAY_ADDRESS",
    "ENV_RAY_OPTIONS",
    "ENV_REWARDS",
    "ENV_WEIGHTS",
    "RewardOutcome",
    "RewardSuite",
    "RowScore",
    "SuiteResult",
    "SuiteSpec",
    "clear_suites",
    "get_suite",
    "output_keys",
]
