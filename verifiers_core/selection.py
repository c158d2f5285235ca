"""Choosing rewards: names, aligned weights and parameters, from the command line or from YAML.

The same selection is accepted everywhere (``score``, the trainer, Python)::

    --rewards accuracy,format --reward-weights 1,0.5 --reward-arg accuracy.timeout=2

or in YAML::

    rewards:
      - {name: accuracy, weight: 1.0, args: {timeout: 2}}
      - format
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import RewardSelectionError
from .registry import Registry, get_registry
from .reward import Reward


@dataclass
class RewardChoice:
    """One selected reward: its name as the user wrote it, its weight and its raw arguments."""

    name: str
    weight: float = 1.0
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResolvedRewards:
    """Built rewards with their weights, in selection order.

    >>> from verifiers_core.testing import isolated_registry
    >>> ResolvedRewards([], []).names
    []
    """

    rewards: list[Reward]
    weights: list[float]

    @property
    def names(self) -> list[str]:
        return [r.__name__ for r in self.rewards]

    def describe(self) -> list[dict[str, Any]]:
        """What was resolved, for ``run.json``: name, plugin, version, parameters and weight."""
        out = []
        for reward, weight in zip(self.rewards, self.weights):
            spec = getattr(reward, "spec", None)
            row = spec.to_dict() if spec is not None else {"name": reward.__name__}
            row["weight"] = weight
            out.append(row)
        return out


def split_names(names: str | Sequence[str]) -> list[str]:
    """Split ``"accuracy, format"`` (or a list of such strings) into names.

    >>> split_names("accuracy, format"), split_names(["a,b", "c"])
    (['accuracy', 'format'], ['a', 'b', 'c'])
    """
    parts = [names] if isinstance(names, str) else list(names)
    out = [n.strip() for part in parts for n in str(part).split(",")]
    if any(not n for n in out):
        raise RewardSelectionError(f"empty reward name in {names!r}")
    return out


def parse_weights(weights: str | Sequence[Any] | None, count: int) -> list[float]:
    """Weights aligned with ``count`` rewards; ``None`` means 1.0 each.

    >>> parse_weights("1,0.5", 2), parse_weights(None, 3)
    ([1.0, 0.5], [1.0, 1.0, 1.0])
    >>> parse_weights("1", 2)
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardSelectionError: 1 reward weights given for 2 rewards; give one weight per reward, in the same order
    """
    if weights is None:
        return [1.0] * count
    items = split_names(weights) if isinstance(weights, str) else list(weights)
    if len(items) != count:
        raise RewardSelectionError(
            f"{len(items)} reward weights given for {count} rewards; give one weight per reward, in the same order"
        )
    out = []
    for i, item in enumerate(items):
        try:
            value = float(item)
        except (TypeError, ValueError):
            raise RewardSelectionError(f"reward weight {i + 1} is {item!r}, not a number") from None
        out.append(value)
    return out


def parse_reward_args(pairs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Parse ``NAME.KEY=VALUE`` pairs into ``{NAME: {KEY: value}}``; values are YAML scalars.

    >>> parse_reward_args(["accuracy.timeout=2", "math/accuracy.box_required=true", "code.lang=cpp"])
    {'accuracy': {'timeout': '2'}, 'math/accuracy': {'box_required': 'true'}, 'code': {'lang': 'cpp'}}
    """
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        key, sep, value = str(pair).partition("=")
        name, dot, param = key.strip().rpartition(".")
        if not sep or not dot or not name or not param:
            raise RewardSelectionError(
                f"reward argument {pair!r} must look like NAME.KEY=VALUE, e.g. accuracy.timeout=2"
            )
        # Kept as text: each parameter reads it as a YAML scalar of its own type.
        out.setdefault(name, {})[param] = value
    return out


def choices_from_config(config: Any) -> list[RewardChoice]:
    """Read the ``rewards:`` list of a YAML config (already loaded, or a YAML string).

    Entries are a name, or a mapping with ``name`` and optional ``weight`` and ``args``.

    >>> choices_from_config("rewards: [{name: code, weight: 0.5, args: {timeout: 2}}, format]")
    [RewardChoice(name='code', weight=0.5, args={'timeout': 2}), RewardChoice(name='format', weight=1.0, args={})]
    """
    if isinstance(config, str):
        try:
            config = yaml.safe_load(config)
        except yaml.YAMLError as exc:
            raise RewardSelectionError(f"reward config is not valid YAML: {exc}") from None
    items = config.get("rewards") if isinstance(config, Mapping) else config
    if not isinstance(items, list) or not items:
        raise RewardSelectionError("reward config needs a non-empty list under 'rewards:'")
    out = []
    for i, item in enumerate(items):
        where = f"rewards[{i}]"
        if isinstance(item, str):
            out.append(RewardChoice(item))
            continue
        if not isinstance(item, Mapping) or "name" not in item:
            raise RewardSelectionError(f"{where} must be a name or a mapping with 'name', got {item!r}")
        extra = set(item) - {"name", "weight", "args"}
        if extra:
            raise RewardSelectionError(
                f"{where} has unknown keys {sorted(extra)}; allowed: name, weight, args"
            )
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)):
            raise RewardSelectionError(f"{where} ({item['name']}): weight must be a number, got {weight!r}")
        args = item.get("args") or {}
        if not isinstance(args, Mapping):
            raise RewardSelectionError(f"{where} ({item['name']}): args must be a mapping, got {args!r}")
        out.append(RewardChoice(str(item["name"]), float(weight), dict(args)))
    return out


def make_choices(
    names: str | Sequence[str],
    weights: str | Sequence[Any] | None = None,
    reward_args: Iterable[str] | Mapping[str, Mapping[str, Any]] = (),
) -> list[RewardChoice]:
    """Combine the command-line forms into choices; each ``NAME`` of an argument must be selected.

    >>> make_choices("accuracy,format", "1,0.5", ["accuracy.timeout=2"])
    [RewardChoice(name='accuracy', weight=1.0, args={'timeout': '2'}), RewardChoice(name='format', weight=0.5, args={})]
    """
    names = split_names(names)
    weight_list = parse_weights(weights, len(names))
    args = reward_args if isinstance(reward_args, Mapping) else parse_reward_args(reward_args)
    choices = [RewardChoice(n, w) for n, w in zip(names, weight_list)]
    apply_args(choices, args)
    return choices


def apply_args(choices: list[RewardChoice], args: Mapping[str, Mapping[str, Any]]) -> None:
    """Attach ``{NAME: {KEY: value}}`` to the choices; NAME is bare or qualified, as selected."""
    for name, params in args.items():
        targets = [c for c in choices if _same_reward(c.name, name)]
        if not targets:
            selected = ", ".join(c.name for c in choices)
            raise RewardSelectionError(
                f"reward argument for {name!r} names a reward that is not selected (selected: {selected})"
            )
        for choice in targets:
            choice.args.update(params)


def _same_reward(selected: str, named: str) -> bool:
    """Whether an argument's NAME refers to a selected reward: bare names match either form.

    >>> _same_reward("accuracy", "math/accuracy"), _same_reward("a/x", "b/x")
    (True, False)
    """
    if "/" in selected and "/" in named:
        return selected == named
    return selected.rpartition("/")[2] == named.rpartition("/")[2]


def build_choices(
    rewards: str | Sequence[Any] | None = None,
    weights: str | Sequence[Any] | None = None,
    reward_args: Iterable[str] | Mapping[str, Mapping[str, Any]] = (),
    config: Any = None,
) -> list[RewardChoice]:
    """The one selection builder (CLI, trainer, adapters, server): names, weights and parameters
    from the command-line forms and/or a config's ``rewards:`` list.

    ``rewards`` is ``"a,b"``, a list of names, or a list of YAML entries (``{name, weight, args}``);
    ``config`` is a loaded mapping or a YAML string with ``rewards:``. The one rule for a thing given
    twice: names and weights may come from both places only if they agree (a contradiction is an
    error naming both); ``reward_args`` add to or override each reward's ``args``.

    >>> build_choices("accuracy,format", "1,0.5", ["accuracy.timeout=2"])
    [RewardChoice(name='accuracy', weight=1.0, args={'timeout': '2'}), RewardChoice(name='format', weight=0.5, args={})]
    >>> build_choices(None, "2", config="rewards: [accuracy]")
    [RewardChoice(name='accuracy', weight=2.0, args={})]
    >>> build_choices("format", config="rewards: [accuracy]")
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardSelectionError: rewards given twice and they differ: --rewards names ['format'], the config names ['accuracy']; give them in one place
    """
    from_config: list[RewardChoice] | None = None
    config_weighted = False
    if config is not None:
        if isinstance(config, str):
            try:
                config = yaml.safe_load(config)
            except yaml.YAMLError as exc:
                raise RewardSelectionError(f"reward config is not valid YAML: {exc}") from None
        from_config = choices_from_config(config)
        items = config.get("rewards") if isinstance(config, Mapping) else config
        config_weighted = any(isinstance(i, Mapping) and "weight" in i for i in items)
    from_options: list[RewardChoice] | None = None
    options_weighted = False
    if rewards is not None and not (isinstance(rewards, (str, list, tuple)) and not rewards):
        if isinstance(rewards, str) or all(isinstance(r, str) for r in rewards):
            from_options = [RewardChoice(n) for n in split_names(rewards)]
        else:
            from_options = choices_from_config({"rewards": list(rewards)})
            options_weighted = any(isinstance(i, Mapping) and "weight" in i for i in rewards)
    if from_config is None and from_options is None:
        raise RewardSelectionError(
            "no reward selected: give --rewards NAME[,NAME] (see `python -m verifiers_core list`) "
            "or a config with a 'rewards:' list"
        )
    if from_config is not None and from_options is not None:
        if [c.name for c in from_config] != [c.name for c in from_options]:
            raise RewardSelectionError(
                "rewards given twice and they differ: --rewards names "
                f"{[c.name for c in from_options]}, the config names {[c.name for c in from_config]}; "
                "give them in one place"
            )
        if options_weighted:
            _same_weights(from_config, [c.weight for c in from_options], "the --rewards entries")
        choices, weighted = from_config, config_weighted or options_weighted
    elif from_config is not None:
        choices, weighted = from_config, config_weighted
    else:
        choices, weighted = from_options, options_weighted  # type: ignore[assignment]
    if weights is not None:
        given = parse_weights(weights, len(choices))
        if weighted:
            _same_weights(choices, given, "--reward-weights")
        for choice, weight in zip(choices, given):
            choice.weight = weight
    args = reward_args if isinstance(reward_args, Mapping) else parse_reward_args(reward_args)
    apply_args(choices, args)
    return choices


def _same_weights(choices: Sequence[RewardChoice], weights: Sequence[float], where: str) -> None:
    current = [c.weight for c in choices]
    if list(weights) != current:
        raise RewardSelectionError(
            f"reward weights given twice and they differ: {where} gives {list(weights)}, the config "
            f"gives {current}; give them in one place"
        )


def resolve(choices: Sequence[RewardChoice], registry: Registry | None = None) -> ResolvedRewards:
    """Build every chosen reward; unknown names and bad parameters fail here, before anything heavy.

    >>> from verifiers_core.testing import isolated_registry
    >>> with isolated_registry():
    ...     resolve([RewardChoice("nope")])
    Traceback (most recent call last):
    ...
    verifiers_core.errors.UnknownRewardError: unknown reward 'nope'. If it comes from a plugin, the plugin may need installing (pip install <its distribution>); `python -m verifiers_core list` shows the installed rewards
    """
    registry = registry or get_registry()
    if not choices:
        raise RewardSelectionError("no reward selected")
    rewards = [registry.create(c.name, **c.args) for c in choices]
    return ResolvedRewards(rewards, [c.weight for c in choices])


def select_rewards(
    names: str | Sequence[str],
    weights: str | Sequence[Any] | None = None,
    reward_args: Iterable[str] | Mapping[str, Mapping[str, Any]] = (),
    registry: Registry | None = None,
    *,
    executor: str | None = None,
    ray_address: str | None = None,
    ray_options: Mapping[str, Any] | Iterable[str] | None = None,
    asynchronous: bool = False,
) -> ResolvedRewards:
    """Resolve a command-line style selection in one call.

    ``executor="ray"`` (with ``ray_address`` and ``ray_options``, see
    :mod:`verifiers_core.executor`) gives remote rewards that score on a Ray cluster's reward actors
    (the ``ray`` extra); ``asynchronous=True`` gives their ``async`` form, which TRL gathers
    concurrently. On Ray the rewards come from the plugins installed on every node, not ``registry``.

    >>> from verifiers_core.testing import isolated_registry
    >>> from verifiers_core.testing.examples import ExamplePlugin
    >>> with isolated_registry() as registry:
    ...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
    ...     chosen = select_rewards("exact_answer,examples/exact_answer", "1,0.2", ["exact_answer.column=gold"])
    >>> chosen.names, chosen.weights, [r.required_columns for r in chosen.rewards]
    (['exact_answer', 'exact_answer'], [1.0, 0.2], [('gold',), ('gold',)])
    """
    from .executor import build_executor

    choices = make_choices(names, weights, reward_args)
    chosen = build_executor(executor, ray_address, ray_options)
    resolved = resolve(choices, registry)
    if not chosen.is_ray:
        return resolved
    from .suite import SuiteSpec

    return on_executor(resolved, SuiteSpec.from_choices(choices, chosen), asynchronous=asynchronous)


def on_executor(resolved: ResolvedRewards, spec: Any, *, asynchronous: bool = False) -> ResolvedRewards:
    """The rewards of ``resolved`` (built from ``spec``) on ``spec``'s executor: unchanged for
    ``local``, remote rewards for ``ray`` (which needs the ``ray`` extra; the cluster is reached and
    the reward actors started here).

    >>> from verifiers_core.suite import SuiteSpec
    >>> on_executor(ResolvedRewards([], []), SuiteSpec.from_options("format")).rewards
    []
    """
    if not spec.executor.is_ray:
        return resolved
    from .ray_executor import wrap_rewards  # imports Ray: only here

    rewards = wrap_rewards(resolved.rewards, spec, spec.executor, asynchronous=asynchronous)
    if rewards:  # reach the cluster now: an unreachable one is an error here, not at the first call
        rewards[0].executor.start()
    return ResolvedRewards(rewards, list(resolved.weights))  # type: ignore[arg-type]


__all__ = [
    "RewardChoice",
    "ResolvedRewards",
    "apply_args",
    "build_choices",
    "choices_from_config",
    "make_choices",
    "on_executor",
    "parse_reward_args",
    "parse_weights",
    "resolve",
    "select_rewards",
    "split_names",
]
