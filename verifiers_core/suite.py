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

Callers that must never stop (a trainer's reward loop, a server) use ``errors="count"``: a malformed
row, a reward that raises, a missing column all give the reward's ``low`` for the rows concerned
and are counted as ``errors``; a reward that overruns ``deadline`` seconds gives its
``timeout_value`` and is counted as ``timeouts``. :meth:`RewardSuite.ascore_rows` is the same
call for asyncio code, and :func:`ascore_row` scores one row from a coroutine, batching the rows
that concurrent coroutines send at the same moment into one call.

The per-process cache is thread-safe and survives ``fork``: a forked child (a process pool of
the trainer) forgets the parent's suites, whose worker processes are not its own, and builds its
own on first use.

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

import asyncio
import json
import logging
import math
import os
import shlex
import threading
import time
import weakref
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import MissingColumnError, RewardContractError, RewardSelectionError, VerifiersCoreError
from .executor import LOCAL, ExecutorChoice, build_executor
from .processes import PerProcess
from .reward import TRAINER_KEYWORDS, Reward, Scored, check_values
from .selection import ResolvedRewards, RewardChoice, build_choices, resolve
from .text import COMPLETION_FORMS, is_completion

logger = logging.getLogger("verifiers_core")

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
        selection only where ``rewards`` is not given either way. The variables' weights and
        arguments apply only to the variables' selection: with ``rewards`` (or ``config``) passed
        as a keyword, only keyword weights and arguments count.

        >>> SuiteSpec.from_env({"VERIFIERS_CORE_REWARDS": "format", "VERIFIERS_CORE_REWARD_WEIGHTS": "2"}).weights
        [2.0]
        >>> SuiteSpec.from_env({"VERIFIERS_CORE_REWARDS": "format"}, rewards="accuracy").names
        ['accuracy']
        >>> SuiteSpec.from_env({"VERIFIERS_CORE_REWARD_WEIGHTS": "1,2"}, rewards="accuracy").weights
        [1.0]
        >>> SuiteSpec.from_env({})
        Traceback (most recent call last):
        ...
        verifiers_core.errors.RewardSelectionError: no reward selected: set VERIFIERS_CORE_REWARDS (e.g. accuracy,format) or VERIFIERS_CORE_CONFIG (a YAML file with 'rewards:'), or pass rewards=...
        """
        env = os.environ if environ is None else environ
        rewards = options.get("rewards")
        config = options.get("config")
        # Weights and args of the environment belong to the environment's selection: with the
        # rewards passed as keywords they would name other rewards, or count differently.
        selected_here = rewards is not None or config is not None
        if not selected_here:
            rewards = env.get(ENV_REWARDS) or None
            config = env.get(ENV_CONFIG) or None
        if rewards is None and config is None:
            raise RewardSelectionError(
                f"no reward selected: set {ENV_REWARDS} (e.g. accuracy,format) or {ENV_CONFIG} "
                "(a YAML file with 'rewards:'), or pass rewards=..."
            )
        weights = options.get("reward_weights")
        if weights is None and not selected_here:
            weights = env.get(ENV_WEIGHTS) or None
        args = options.get("reward_args")
        if args is None:
            args = "" if selected_here else env.get(ENV_ARGS, "")
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


# Nothing to close at exit (the plugins close their own pools); a forked child starts without the
# parent's suites, which hold the parent's pools and threads.
_CACHE: PerProcess[SuiteSpec, RewardSuite] = PerProcess()


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
    return _CACHE.get(spec, spec.build)


def clear_suites() -> None:
    """Forget the suites built in this process (tests; a changed registry)."""
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
    callers that must never stop (a trainer's reward loop, a server). With ``errors="count"`` a
    reward that raises on a batch is retried row by row, so one hostile row costs only itself.
    """

    def __init__(self, resolved: ResolvedRewards, spec: SuiteSpec | None = None) -> None:
        self.rewards: list[Any] = list(resolved.rewards)
        self.weights: list[float] = list(resolved.weights)
        self.spec = spec
        self.keys = output_keys(self.rewards)
        self._warned: set[str] = set()

    def __reduce__(self) -> tuple[Any, ...]:
        if self.spec is None:
            raise TypeError("a RewardSuite built without a SuiteSpec cannot be pickled")
        return (get_suite, (self.spec,))

    def counter_keys(self) -> list[str]:
        """Every per-row counter this suite reports, as ``"<key>/<what>"``, fixed for the suite.

        A reward's ``reported_counts`` plus ``errors``, ``timeouts`` and ``oversized`` (and
        ``no_answer`` for rewards that grade the answer). Trainers that need the same keys on
        every sample (veRL) report all of them, 0 included.

        >>> from verifiers_core.selection import ResolvedRewards
        >>> from verifiers_core.testing.examples import ExactAnswer
        >>> RewardSuite(ResolvedRewards([ExactAnswer()], [1.0])).counter_keys()
        ['exact_answer/errors', 'exact_answer/no_answer', 'exact_answer/oversized', 'exact_answer/timeouts']
        """
        out: list[str] = []
        for reward, key in zip(self.rewards, self.keys):
            whats = set(getattr(reward, "reported_counts", ()) or ()) | {"errors", "timeouts", "oversized"}
            if getattr(reward, "grades_answer", False):
                whats.add("no_answer")
            out += [f"{key}/{what}" for what in sorted(whats)]
        return out

    def low_values(self) -> dict[str, float]:
        """Each reward's ``low`` by output key: what a row that cannot be scored gets.

        >>> from verifiers_core.selection import ResolvedRewards
        >>> from verifiers_core.testing.examples import ExactAnswer
        >>> RewardSuite(ResolvedRewards([ExactAnswer()], [1.0])).low_values()
        {'exact_answer': 0.0}
        """
        return {key: _low(reward) for reward, key in zip(self.rewards, self.keys)}

    def score_rows(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        errors: str = "raise",
        deadline: float | None = None,
    ) -> SuiteResult:
        """Score ``rows`` with every reward; one :class:`RowScore` per row, in order.

        ``deadline`` (seconds, optional) bounds each reward's call: the rewards then run side by
        side in threads, and one still running at the deadline gives every row its
        ``timeout_value`` (``low`` unless the reward sets one), counted as ``timeouts``. Its
        thread is left to finish on its own (a thread cannot be killed; the rewards' own pools
        kill stuck graders).

        >>> from verifiers_core.selection import ResolvedRewards
        >>> from verifiers_core.testing.examples import ExactAnswer
        >>> suite = RewardSuite(ResolvedRewards([ExactAnswer()], [1.0]))
        >>> result = suite.score_rows([{"completion": "4", "solution": "4"}, {"completion": 7}], errors="count")
        >>> [r.rewards for r in result.rows], result.rows[1].counts
        ([{'exact_answer': 1.0}, {'exact_answer': 0.0}], {'exact_answer/errors': 1.0})
        """
        if errors not in ("raise", "count"):
            raise ValueError(f"errors must be 'raise' or 'count', got {errors!r}")
        if deadline is not None and not deadline > 0:
            raise ValueError(f"deadline must be a positive number of seconds, got {deadline!r}")
        n = len(rows)
        bad: dict[int, str] = {}
        for i, row in enumerate(rows):
            problem = row_problem(row)
            if problem is not None:
                if errors == "raise":
                    raise VerifiersCoreError(f"row {i}: {problem}")
                bad[i] = problem
        if bad:
            self._warn_once(
                f"malformed:{next(iter(bad.values()))}",
                f"row {next(iter(bad))}: {next(iter(bad.values()))}; scored low and counted as an error",
            )
        keep = [i for i in range(n) if i not in bad]
        good = [rows[i] for i in keep]
        completions = [row.get("completion") for row in good]
        prompts = [row.get("prompt", [] if isinstance(row.get("completion"), list) else "") for row in good]
        names: list[str] = []
        for row in good:
            names += [k for k in row if k not in ROW_KEYS and k not in names and k not in TRAINER_KEYWORDS]
        columns = {name: [row.get(name) for row in good] for name in names}
        ids = [row.get("completion_ids") for row in good]
        completion_ids = ids if good and all(isinstance(i, list) for i in ids) else None
        call = _Call(completions, prompts, completion_ids, columns, errors)
        if not good:
            outcomes = [RewardOutcome(key, []) for key in self.keys]
        elif deadline is None:
            outcomes = [self._run(reward, key, call) for reward, key in zip(self.rewards, self.keys)]
        else:
            outcomes = self._run_within(deadline, call)
        if bad:
            outcomes = [self._widen(o, reward, keep, n, bad) for o, reward in zip(outcomes, self.rewards)]
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

    async def ascore_rows(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        errors: str = "raise",
        deadline: float | None = None,
    ) -> SuiteResult:
        """:meth:`score_rows` for asyncio code: runs in a worker thread, the event loop stays free.

        >>> from verifiers_core.selection import ResolvedRewards
        >>> from verifiers_core.testing.examples import ExactAnswer
        >>> suite = RewardSuite(ResolvedRewards([ExactAnswer()], [1.0]))
        >>> asyncio.run(suite.ascore_rows([{"completion": "4", "solution": "4"}])).rows[0].total
        1.0
        """
        return await asyncio.to_thread(self.score_rows, rows, errors=errors, deadline=deadline)

    # -- running one reward ------------------------------------------------------------------------

    def _run(self, reward: Any, key: str, call: _Call) -> RewardOutcome:
        start = time.perf_counter()
        try:
            outcome = self._call(reward, key, call)
        except (MissingColumnError, RewardContractError) as exc:
            if call.errors == "raise":
                raise
            outcome = self._failed(reward, key, call.n, str(exc))
        except Exception as exc:  # a failing reward must not stop the others
            message = f"{type(exc).__name__}: {exc}"[:300]
            if call.errors == "raise":
                outcome = RewardOutcome(key, [None] * call.n, Counter(errors=call.n), failure=message)
            elif call.n > 1:  # one hostile row must not cost the whole batch: find it
                outcome = self._row_by_row(reward, key, call)
            else:
                outcome = self._failed(reward, key, 1, message)
        outcome.seconds = time.perf_counter() - start
        return outcome

    def _call(self, reward: Any, key: str, call: _Call) -> RewardOutcome:
        n = call.n
        if isinstance(reward, Reward):
            scored = reward.evaluate(
                call.completions,
                prompts=call.prompts,
                completion_ids=call.completion_ids,
                columns=call.columns,
            )
        else:  # a plain callable (or a wrapper of one): TRL's keyword call, counters via log_metric
            counts: Counter = Counter()
            prefix = f"{getattr(reward, '__name__', key)}/"

            def log_metric(name: str, value: float) -> None:
                counts[name.removeprefix(prefix)] += value

            values = reward(
                prompts=call.prompts,
                completions=call.completions,
                completion_ids=call.completion_ids,
                log_metric=log_metric,
                **call.columns,
            )
            scored = Scored(check_values(key, values, n), counts, {})
        outcome = RewardOutcome(key, scored.values)
        outcome.counts.update(scored.counts)
        outcome.row_counts = scored.row_counts
        return outcome

    def _failed(self, reward: Any, key: str, n: int, message: str) -> RewardOutcome:
        """Every row ``low``, counted as an error (``errors="count"``); logged once per message."""
        self._warn_once(f"{key}:{message}", f"reward {key!r} failed ({message}); its rows score low")
        low = _low(reward)
        return RewardOutcome(
            key,
            [low] * n,
            Counter(errors=n),
            {i: Counter(errors=1) for i in range(n)},
            failure=message,
        )

    def _row_by_row(self, reward: Any, key: str, call: _Call) -> RewardOutcome:
        outcome = RewardOutcome(key, [None] * call.n)
        failures: list[str] = []
        for i in range(call.n):
            one = call.row(i)
            try:
                single = self._call(reward, key, one)
            except Exception as exc:
                failures.append(f"row {i}: {type(exc).__name__}: {exc}"[:300])
                single = self._failed(reward, key, 1, failures[-1])
            outcome.values[i] = single.values[0]
            outcome.counts.update(single.counts)
            if single.row_counts.get(0):
                outcome.row_counts[i] = single.row_counts[0]
        outcome.failure = "; ".join(failures)[:300] or None
        return outcome

    def _run_within(self, deadline: float, call: _Call) -> list[RewardOutcome]:
        """Run every reward in its own daemon thread; wait until ``deadline`` seconds have passed."""
        results: list[Any] = [None] * len(self.rewards)

        def work(j: int, reward: Any, key: str) -> None:
            try:
                results[j] = self._run(reward, key, call)
            except BaseException as exc:  # re-raised in the caller's thread (errors="raise")
                results[j] = exc

        threads = [
            threading.Thread(target=work, args=(j, r, k), daemon=True, name=f"verifiers-core-{k}")
            for j, (r, k) in enumerate(zip(self.rewards, self.keys))
        ]
        end = time.monotonic() + deadline
        for t in threads:
            t.start()
        outcomes = []
        for j, (t, reward, key) in enumerate(zip(threads, self.rewards, self.keys)):
            t.join(max(0.0, end - time.monotonic()))
            result = results[j]
            if isinstance(result, BaseException):
                raise result
            if t.is_alive() or result is None:
                value = _timeout_value(reward)
                self._warn_once(f"{key}:deadline", f"reward {key!r} overran the {deadline:g} s deadline")
                result = RewardOutcome(
                    key,
                    [value] * call.n,
                    Counter(timeouts=call.n),
                    {i: Counter(timeouts=1) for i in range(call.n)},
                    seconds=deadline,
                    failure=f"no result within the {deadline:g} s deadline",
                )
            outcomes.append(result)
        return outcomes

    @staticmethod
    def _widen(
        outcome: RewardOutcome, reward: Any, keep: list[int], n: int, bad: dict[int, str]
    ) -> RewardOutcome:
        """Map an outcome over the well-formed rows back to all rows; malformed ones score low."""
        values: list[float | None] = [None] * n
        row_counts: dict[int, Counter] = {}
        for j, i in enumerate(keep):
            values[i] = outcome.values[j]
            if j in outcome.row_counts:
                row_counts[i] = outcome.row_counts[j]
        for i in bad:
            values[i] = _low(reward)
            row_counts[i] = Counter(errors=1)
        counts = Counter(outcome.counts)
        counts["errors"] += len(bad)
        return RewardOutcome(outcome.key, values, counts, row_counts, outcome.seconds, outcome.failure)

    def _warn_once(self, key: str, message: str) -> None:
        if key not in self._warned and len(self._warned) < 1000:
            self._warned.add(key)
            logger.warning("verifiers-core: %s", message)


@dataclass
class _Call:
    """The arguments of one reward call over the well-formed rows."""

    completions: list[Any]
    prompts: list[Any]
    completion_ids: list[Any] | None
    columns: dict[str, list[Any]]
    errors: str

    @property
    def n(self) -> int:
        return len(self.completions)

    def row(self, i: int) -> _Call:
        return _Call(
            [self.completions[i]],
            [self.prompts[i]],
            None if self.completion_ids is None else [self.completion_ids[i]],
            {k: [v[i]] for k, v in self.columns.items()},
            self.errors,
        )


def row_problem(row: Any) -> str | None:
    """Why a row cannot be scored at all, or ``None`` when it can.

    >>> row_problem({"completion": "4"}), row_problem({"completion": None}), row_problem([1])
    (None, "'completion' must be a string or a list of {role, content} messages, got NoneType", 'a row must be a mapping, got list')
    """
    if not isinstance(row, Mapping):
        return f"a row must be a mapping, got {type(row).__name__}"
    completion = row.get("completion")
    if is_completion(completion):
        return None
    return f"'completion' must be {COMPLETION_FORMS}, got {type(completion).__name__}"


def _low(reward: Any) -> float:
    low = getattr(reward, "low", 0.0)
    return float(low) if isinstance(low, (int, float)) else 0.0


def _timeout_value(reward: Any) -> float:
    value = getattr(reward, "timeout_value", None)
    return float(value) if isinstance(value, (int, float)) else _low(reward)


# -- one row from a coroutine, batched with its neighbours -------------------------------------------

#: Seconds a row waits for others before its batch is scored (concurrent callers arrive spread out).
COALESCE_WINDOW = 0.002
_COALESCERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_COALESCERS_LOCK = threading.Lock()


class _Coalescer:
    """Rows submitted on one event loop within a short window are scored in one suite call."""

    def __init__(self, suite: RewardSuite, errors: str, deadline: float | None, max_batch: int) -> None:
        self.suite, self.errors, self.deadline, self.max_batch = suite, errors, deadline, max_batch
        self.pending: list[tuple[Mapping[str, Any], asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None

    def submit(self, row: Mapping[str, Any]) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.pending.append((row, future))
        if len(self.pending) >= self.max_batch:
            self.flush()
        elif self.timer is None:
            self.timer = loop.call_later(COALESCE_WINDOW, self.flush)
        return future

    def flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if batch:
            asyncio.get_running_loop().create_task(self._score(batch))

    async def _score(self, batch: list[tuple[Mapping[str, Any], asyncio.Future]]) -> None:
        try:
            result = await self.suite.ascore_rows(
                [row for row, _ in batch], errors=self.errors, deadline=self.deadline
            )
        except BaseException as exc:  # errors="raise": each caller sees the error
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for (_, future), row_score in zip(batch, result.rows):
            if not future.done():
                future.set_result(row_score)


async def ascore_row(
    suite: RewardSuite,
    row: Mapping[str, Any],
    *,
    errors: str = "raise",
    deadline: float | None = None,
    max_batch: int = 256,
) -> RowScore:
    """Score one row from a coroutine; rows sent by concurrent coroutines are scored together.

    Trainers call a reward once per sample from many coroutines at a time (veRL's reward loop,
    slime); batching them keeps the rewards' per-call work (a group's shared gold parsed once,
    one round trip to the worker pools) as cheap as a batch call.

    >>> from verifiers_core.selection import ResolvedRewards
    >>> from verifiers_core.testing.examples import ExactAnswer
    >>> suite = RewardSuite(ResolvedRewards([ExactAnswer()], [1.0]))
    >>> async def main():
    ...     rows = [{"completion": c, "solution": "4"} for c in ("4", "5")]
    ...     return await asyncio.gather(*(ascore_row(suite, row) for row in rows))
    >>> [r.total for r in asyncio.run(main())]
    [1.0, 0.0]
    """
    loop = asyncio.get_running_loop()
    key = (id(suite), errors, deadline, max_batch)
    with _COALESCERS_LOCK:
        per_loop = _COALESCERS.setdefault(loop, {})
        coalescer = per_loop.get(key)
        if coalescer is None or coalescer.suite is not suite:
            coalescer = per_loop[key] = _Coalescer(suite, errors, deadline, max_batch)
    return await coalescer.submit(row)


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
    "ascore_row",
    "clear_suites",
    "get_suite",
    "output_keys",
    "row_problem",
]
