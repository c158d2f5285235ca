"""Where rewards run: in this process (``local``, the default) or on a Ray cluster (``ray``).

The executor is part of the selection, not a reward parameter, and is chosen the same way
everywhere::

    --reward-executor ray --ray-address 10.0.0.1:6379 --ray-option cpus_per_actor=8

in YAML (next to ``rewards:``)::

    reward_executor: ray
    ray_address: 10.0.0.1:6379
    ray_options: {cpus_per_actor: 8, resource: reward_node}

or from Python: ``select_rewards("accuracy", executor="ray", ray_address=...)``,
``SuiteSpec.from_options(..., executor="ray")``. This module only describes the choice; it never
imports Ray (the executor itself is :mod:`verifiers_core.ray_executor`, in the ``ray`` extra).

>>> build_executor("ray", "127.0.0.1:6379", ["chunk_timeout=60"])
ExecutorChoice(kind='ray', ray_address='127.0.0.1:6379', ray=RayOptions(cpus_per_actor=0, resource=None, max_in_flight=2, chunk_rows=0, chunk_timeout=60.0, retries=1, startup_timeout=180.0, connect_timeout=10.0))
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import RewardSelectionError

#: The executors a selection may name.
EXECUTORS = ("local", "ray")
#: Selection YAML keys read by :func:`build_executor` (beside ``rewards:``).
CONFIG_KEYS = ("reward_executor", "ray_address", "ray_options")


@dataclass(frozen=True)
class RayOptions:
    """How the Ray executor places reward actors and cuts calls into chunks.

    - ``cpus_per_actor``: 0 (default) starts one reward actor per node, reserving one CPU there and
      sizing its warm pools (math workers, code sandboxes) to the node's CPUs; ``N`` starts one actor
      per N CPUs of each node, each reserving N CPUs and sizing its pools to N.
    - ``resource``: the name of a custom Ray resource; only nodes that advertise it
      (``ray start --resources='{"NAME": 1}'``) get reward actors, so the nodes you start without it
      (GPU trainers, say) stay free of them.
    - ``max_in_flight``: chunks sent to one actor and not yet answered (one runs, the others wait
      there, so an actor never idles during a round trip).
    - ``chunk_rows``: rows per chunk (0: about a quarter of an even share per actor); a GRPO group
      (consecutive rows with the same prompt and columns) is never split.
    - ``chunk_timeout``: seconds a chunk may run on an actor before the actor is killed and replaced.
    - ``retries``: how often a failed chunk is tried again on another actor before its rows get the
      reward's timeout value (and are counted as ``ray_timeouts``).
    - ``startup_timeout``: seconds an actor may take to start and warm its pools.
    - ``connect_timeout``: seconds to reach the cluster before the run is refused.

    >>> RayOptions(cpus_per_actor=4).max_in_flight
    2
    """

    cpus_per_actor: int = 0
    resource: str | None = None
    max_in_flight: int = 2
    chunk_rows: int = 0
    chunk_timeout: float = 300.0
    retries: int = 1
    startup_timeout: float = 180.0
    connect_timeout: float = 10.0

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "resource":
                if value is not None and (not isinstance(value, str) or not value.strip()):
                    raise RewardSelectionError(f"ray option resource must be a resource name, got {value!r}")
                continue
            kind = int if f.type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise RewardSelectionError(f"ray option {f.name} must be a number, got {value!r}")
            if kind is int and int(value) != value:
                raise RewardSelectionError(f"ray option {f.name} must be a whole number, got {value!r}")
            object.__setattr__(self, f.name, kind(value))
        lows = {"cpus_per_actor": 0, "max_in_flight": 1, "chunk_rows": 0, "retries": 0}
        for name, low in lows.items():
            if getattr(self, name) < low:
                raise RewardSelectionError(
                    f"ray option {name} must be at least {low}, got {getattr(self, name)}"
                )
        for name in ("chunk_timeout", "startup_timeout", "connect_timeout"):
            if not getattr(self, name) > 0:
                raise RewardSelectionError(f"ray option {name} must be positive, got {getattr(self, name)}")

    def to_dict(self) -> dict[str, Any]:
        """The options as plain data (for ``run.json``)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ExecutorChoice:
    """The executor of a selection: ``local`` or ``ray`` (with its address and options). Hashable."""

    kind: str = "local"
    ray_address: str | None = None
    ray: RayOptions = field(default_factory=RayOptions)

    @property
    def is_ray(self) -> bool:
        return self.kind == "ray"

    def describe(self) -> dict[str, Any]:
        """What was chosen, for ``run.json``.

        >>> ExecutorChoice().describe()
        {'kind': 'local'}
        """
        if not self.is_ray:
            return {"kind": self.kind}
        return {"kind": self.kind, "ray_address": self.ray_address, "ray_options": self.ray.to_dict()}


LOCAL = ExecutorChoice()


def parse_ray_options(options: Mapping[str, Any] | Iterable[str] | str | None) -> RayOptions:
    """Ray options from a mapping, ``KEY=VALUE`` strings (values read as YAML scalars) or one
    space-separated string of them.

    >>> parse_ray_options(["cpus_per_actor=4", "resource=reward_node"]).cpus_per_actor
    4
    >>> parse_ray_options({"chunk_timout": 5})
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardSelectionError: unknown ray option 'chunk_timout' (did you mean 'chunk_timeout'?); known: cpus_per_actor, resource, max_in_flight, chunk_rows, chunk_timeout, retries, startup_timeout, connect_timeout
    """
    if options is None:
        return RayOptions()
    if isinstance(options, RayOptions):
        return options
    if isinstance(options, str):
        options = shlex.split(options)
    if isinstance(options, Mapping):
        values = dict(options)
    else:
        values = {}
        for item in options:
            key, sep, raw = str(item).partition("=")
            if not sep or not key.strip():
                raise RewardSelectionError(
                    f"ray option {item!r} must look like KEY=VALUE, e.g. cpus_per_actor=4"
                )
            try:
                values[key.strip()] = yaml.safe_load(raw) if raw.strip() else None
            except yaml.YAMLError:
                values[key.strip()] = raw
    known = [f.name for f in dataclasses.fields(RayOptions)]
    for key in values:
        if key not in known:
            import difflib

            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise RewardSelectionError(f"unknown ray option {key!r}{hint}; known: {', '.join(known)}")
    return RayOptions(**values)


def build_executor(
    executor: str | None = None,
    ray_address: str | None = None,
    ray_options: Mapping[str, Any] | Iterable[str] | str | None = None,
    config: Any = None,
) -> ExecutorChoice:
    """The executor from the command-line forms and/or a selection config (``reward_executor``,
    ``ray_address``, ``ray_options`` beside ``rewards:``), by the rule of
    :func:`~verifiers_core.selection.build_choices`: a setting given in both places must agree.

    >>> build_executor().kind, build_executor(config="reward_executor: ray\\nrewards: [format]").kind
    ('local', 'ray')
    >>> build_executor("local", ray_address="10.0.0.1:6379")
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardSelectionError: --ray-address (ray_address) is given but the reward executor is 'local'; add --reward-executor ray (reward_executor: ray in YAML)
    >>> build_executor("dask")
    Traceback (most recent call last):
    ...
    verifiers_core.errors.RewardSelectionError: unknown reward executor 'dask'; choose one of: local, ray
    """
    if isinstance(config, str):
        try:
            config = yaml.safe_load(config)
        except yaml.YAMLError as exc:
            raise RewardSelectionError(f"reward config is not valid YAML: {exc}") from None
    from_config = dict(config) if isinstance(config, Mapping) else {}
    kind = _agree("reward executor", "--reward-executor", executor, from_config.get("reward_executor"))
    address = _agree("ray address", "--ray-address", ray_address, from_config.get("ray_address"))
    options = _merge_options(ray_options, from_config.get("ray_options"))
    kind = "local" if kind is None else str(kind).strip().lower()
    if kind not in EXECUTORS:
        raise RewardSelectionError(f"unknown reward executor {kind!r}; choose one of: {', '.join(EXECUTORS)}")
    if address is not None and not isinstance(address, str):
        raise RewardSelectionError(f"ray_address must be a string such as 10.0.0.1:6379, got {address!r}")
    if kind != "ray":
        if address:
            raise RewardSelectionError(
                f"--ray-address (ray_address) is given but the reward executor is {kind!r}; "
                "add --reward-executor ray (reward_executor: ray in YAML)"
            )
        if options:
            raise RewardSelectionError(
                f"ray options are given but the reward executor is {kind!r}; "
                "add --reward-executor ray (reward_executor: ray in YAML)"
            )
        return LOCAL
    return ExecutorChoice("ray", (address or "").strip() or None, parse_ray_options(options))


def _agree(what: str, flag: str, given: Any, configured: Any) -> Any:
    if given is not None and configured is not None and str(given).strip() != str(configured).strip():
        raise RewardSelectionError(
            f"{what} given twice and they differ: {flag} says {given!r}, the config says {configured!r}; "
            "give it in one place"
        )
    return given if given is not None else configured


def _merge_options(given: Any, configured: Any) -> dict[str, Any]:
    """Config options, then the command line's on top (like ``--reward-arg`` over ``args:``)."""
    merged: dict[str, Any] = {}
    for source in (configured, given):
        if source is None or (isinstance(source, (list, tuple, str)) and not source):
            continue
        if isinstance(source, RayOptions):
            merged.update(source.to_dict())
            continue
        if not isinstance(source, (Mapping, list, tuple, str)):
            raise RewardSelectionError(
                f"ray_options must be a mapping or KEY=VALUE strings, got {type(source).__name__}"
            )
        parsed = parse_ray_options(source)
        defaults = RayOptions()
        if isinstance(source, Mapping):
            keys = source.keys()
        else:
            items = shlex.split(source) if isinstance(source, str) else source
            keys = [str(i).partition("=")[0].strip() for i in items]
        merged.update({k: getattr(parsed, k) for k in keys if hasattr(defaults, k)})
    return merged


__all__ = [
    "CONFIG_KEYS",
    "EXECUTORS",
    "LOCAL",
    "ExecutorChoice",
    "RayOptions",
    "build_executor",
    "parse_ray_options",
]
