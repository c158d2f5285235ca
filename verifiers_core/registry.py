"""The reward registry: plugins found through entry points, rewards found by name.

Plugins are loaded one at a time: a plugin that fails to import or to register is recorded as
failed (with a warning) and the others still load. ``VERIFIERS_CORE_STRICT=1`` makes such a
failure fatal; ``VERIFIERS_CORE_LOAD_PLUGINS=math,format`` loads only the plugins named (an empty
value loads none).
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import threading
import traceback
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from . import hookspecs
from .config import RewardConfig
from .dataset_registry import DatasetInfo, DatasetTable, GeneratedDataset, make_entry
from .dataset_registry import generate as _generate_dataset
from .errors import (
    AmbiguousRewardError,
    DatasetError,
    DuplicateRewardError,
    PluginError,
    UnknownRewardError,
    VerifiersCoreError,
)
from .params import COMMON_PARAMS, Param, bind_params, check_param_names
from .reward import CallableReward, Reward

ENTRY_POINT_GROUP = hookspecs.PROJECT_NAME
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class PluginLoadWarning(UserWarning):
    """A plugin failed to import or register; it is listed as failed and the others still load."""


@dataclass(frozen=True)
class RewardEntry:
    """One registered reward: where it comes from, how to build it, what it accepts."""

    name: str
    plugin: str
    factory: Callable[..., Any] | str = field(compare=False)
    description: str = ""
    params: tuple[Param, ...] = ()
    distribution: str | None = None
    version: str | None = None
    #: The reward's config class (:class:`~verifiers_core.config.RewardConfig`) when it declares its
    #: parameters there; ``params`` are then derived from it and the factory receives an instance.
    config: type[RewardConfig] | None = field(default=None, compare=False)

    @property
    def qualified_name(self) -> str:
        """``<plugin>/<name>``, unique across plugins."""
        return f"{self.plugin}/{self.name}"


@dataclass(frozen=True)
class PluginInfo:
    """A loaded (or failed) plugin."""

    name: str
    distribution: str | None
    version: str | None
    status: str  # "ok" or "failed"
    error: str | None = None


@dataclass(frozen=True)
class RewardSpec:
    """Attached to every built reward as ``reward.spec``: what was resolved, for logs and run.json."""

    name: str
    qualified_name: str
    plugin: str
    distribution: str | None
    version: str | None
    params: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form.

        >>> RewardSpec("a", "p/a", "p", None, None, {"k": 1}).to_dict()["params"]
        {'k': 1}
        """
        return {
            "name": self.name,
            "qualified_name": self.qualified_name,
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
            "params": dict(self.params),
        }


@dataclass(frozen=True)
class RewardInfo:
    """One row of :func:`list_rewards`: a reward, or a plugin that failed to load (``name=None``)."""

    name: str | None
    plugin: str
    distribution: str | None
    version: str | None
    description: str
    params: tuple[Param, ...]
    status: str  # "ok", "conflict" or "failed"
    error: str | None = None

    @property
    def qualified_name(self) -> str | None:
        return f"{self.plugin}/{self.name}" if self.name else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by ``python -m verifiers_core list --json``."""
        return {
            "name": self.name,
            "qualified_name": self.qualified_name,
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
            "description": self.description,
            "params": [p.to_dict() for p in self.params],
            "status": self.status,
            "error": self.error,
            "kind": "reward" if self.name else "plugin",
        }


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


class Registry:
    """Plugins and their rewards.

    ``Registry()`` loads the installed plugins (entry-point group ``verifiers_core``) on first
    use. ``Registry(load_entry_points=False)`` starts empty, for tests; add plugins with
    :meth:`register_plugin`.

    >>> import verifiers_core
    >>> class Demo:
    ...     @verifiers_core.hookimpl
    ...     def register_rewards(self, register):
    ...         register("always_one", lambda: (lambda completions, **kw: [1.0] * len(completions)),
    ...                  description="scores every completion 1.0")
    >>> reg = Registry(load_entry_points=False)
    >>> _ = reg.register_plugin(Demo(), name="demo")
    >>> reg.create("always_one")(prompts=["p"], completions=["x"])
    [1.0]
    >>> reg.resolve("demo/always_one").qualified_name
    'demo/always_one'
    """

    def __init__(
        self,
        *,
        load_entry_points: bool = True,
        strict: bool | None = None,
        only: Iterable[str] | None = None,
    ) -> None:
        self.strict = _env_flag("VERIFIERS_CORE_STRICT") if strict is None else strict
        if only is None and "VERIFIERS_CORE_LOAD_PLUGINS" in os.environ:
            raw = os.environ["VERIFIERS_CORE_LOAD_PLUGINS"]
            only = [p.strip() for p in raw.split(",") if p.strip()]
        self.only = None if only is None else frozenset(only)
        self.pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self._by_qualified: dict[str, RewardEntry] = {}
        self._conflicts: dict[str, list[RewardEntry]] = {}
        self._datasets = DatasetTable()
        self._load_entry_points = load_entry_points
        self._loaded = False
        self._lock = threading.RLock()

    # -- loading ---------------------------------------------------------------------------------

    def load(self) -> None:
        """Load the installed plugins once; later calls do nothing."""
        with self._lock:
            if self._loaded:
                return
            self._loaded = True
            if self._load_entry_points:
                for ep in _entry_points():
                    if self.only is not None and ep.name not in self.only:
                        continue
                    self._load_entry_point(ep)

    def _load_entry_point(self, ep: metadata.EntryPoint) -> None:
        dist = getattr(ep, "dist", None)
        dist_name = dist.name if dist is not None else None
        version = dist.version if dist is not None else None
        if ep.name in self.plugins:
            first = self.plugins[ep.name]
            self._fail(
                ep.name,
                dist_name,
                version,
                f"plugin name {ep.name!r} is used by two distributions: {first.distribution} and {dist_name}",
                record=False,
            )
            return
        try:
            module = ep.load()
        except BaseException as exc:  # noqa: BLE001 - a broken plugin must not take the others down
            if isinstance(exc, KeyboardInterrupt):
                raise
            self._fail(ep.name, dist_name, version, f"import of {ep.value!r} failed: {_reason(exc)}")
            return
        self.register_plugin(module, name=ep.name, distribution=dist_name, version=version)

    def register_plugin(
        self,
        plugin: object,
        name: str,
        *,
        distribution: str | None = None,
        version: str | None = None,
    ) -> PluginInfo:
        """Register a plugin object (a module, class or instance with hook implementations).

        Its ``register_rewards`` and ``register_datasets`` hooks run at once; if either raises, none
        of its rewards or datasets are kept and the plugin is recorded as failed.
        """
        with self._lock:
            self._loaded = self._loaded or not self._load_entry_points
            pending: list[RewardEntry] = []
            pending_datasets: list[Any] = []

            def register_dataset(
                dataset_name: str, factory: Callable[..., Any] | str, *args: Any, **kw: Any
            ) -> None:
                pending_datasets.append(
                    make_entry(
                        dataset_name,
                        factory,
                        *args,
                        plugin=name,
                        distribution=distribution,
                        version=version,
                        **kw,
                    )
                )

            def register(
                reward_name: str,
                factory: Callable[..., Any] | str,
                description: str = "",
                params: Sequence[Param] = (),
                config: type[RewardConfig] | None = None,
            ) -> None:
                pending.append(
                    _make_entry(
                        reward_name, factory, description, params, name, distribution, version, config
                    )
                )

            try:
                self.pm.register(plugin, name=name)
            except Exception as exc:
                return self._fail(name, distribution, version, f"registration failed: {_reason(exc)}")
            hook = "hook check"  # pluggy names an unknown hook (a typo such as register_reward)
            try:
                self.pm.check_pending()
                hook = "register_rewards"
                for impl in self.pm.hook.register_rewards.get_hookimpls():
                    if impl.plugin_name == name:
                        impl.function(register=register)
                hook = "register_datasets"
                for impl in self.pm.hook.register_datasets.get_hookimpls():
                    if impl.plugin_name == name:
                        impl.function(register=register_dataset)
            except BaseException as exc:  # noqa: BLE001
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self.pm.unregister(name=name)
                return self._fail(name, distribution, version, f"{hook} failed: {_reason(exc)}")
            for entry in pending:
                self._add(entry)
            for dataset in pending_datasets:
                message = self._datasets.add(dataset)
                if message is not None:
                    if self.strict:
                        raise DatasetError(message)
                    warnings.warn(message, PluginLoadWarning, stacklevel=3)
            info = PluginInfo(name, distribution, version, "ok")
            self.plugins[name] = info
            return info

    def _fail(
        self, name: str, distribution: str | None, version: str | None, reason: str, record: bool = True
    ) -> PluginInfo:
        where = f"plugin {name!r}" + (f" (distribution {distribution} {version})" if distribution else "")
        message = f"{where} failed to load: {reason}"
        if self.strict:
            raise PluginError(message + " [strict registry: VERIFIERS_CORE_STRICT, or the test kit]")
        warnings.warn(message, PluginLoadWarning, stacklevel=3)
        info = PluginInfo(name, distribution, version, "failed", reason)
        if record:
            self.plugins[name] = info
        else:
            self.plugins[f"{name} ({distribution})"] = info
        return info

    def _add(self, entry: RewardEntry) -> None:
        qualified = entry.qualified_name
        if qualified in self._conflicts:
            self._conflicts[qualified].append(entry)
            return
        existing = self._by_qualified.get(qualified)
        if existing is None:
            self._by_qualified[qualified] = entry
            return
        del self._by_qualified[qualified]
        self._conflicts[qualified] = [existing, entry]
        message = _duplicate_message(qualified, [existing, entry])
        if self.strict:
            raise DuplicateRewardError(message)
        warnings.warn(message, PluginLoadWarning, stacklevel=4)

    # -- lookup ----------------------------------------------------------------------------------

    def entries(self) -> list[RewardEntry]:
        """Every reward that can be built, sorted by qualified name."""
        self.load()
        return sorted(self._by_qualified.values(), key=lambda e: e.qualified_name)

    def resolve(self, name: str) -> RewardEntry:
        """Find a reward by bare name (``accuracy``) or qualified name (``math/accuracy``).

        Raises :class:`UnknownRewardError` (with close matches), :class:`AmbiguousRewardError`
        (listing the candidates) or :class:`DuplicateRewardError` (naming both distributions).
        """
        self.load()
        if not isinstance(name, str) or not name.strip():
            raise UnknownRewardError(f"a reward name must be a non-empty string, got {name!r}")
        name = name.strip()
        if "/" in name:
            if name in self._conflicts:
                raise DuplicateRewardError(_duplicate_message(name, self._conflicts[name]))
            entry = self._by_qualified.get(name)
            if entry is not None:
                return entry
        else:
            matches = [e for e in self._by_qualified.values() if e.name == name]
            conflicted = [q for q, es in self._conflicts.items() if es[0].name == name]
            if len(matches) == 1 and not conflicted:
                return matches[0]
            if len(matches) + len(conflicted) > 1:
                candidates = sorted([e.qualified_name for e in matches] + conflicted)
                raise AmbiguousRewardError(
                    f"reward name {name!r} is ambiguous: it is registered as "
                    + ", ".join(candidates)
                    + "; use the qualified name"
                )
            if conflicted:
                raise DuplicateRewardError(_duplicate_message(conflicted[0], self._conflicts[conflicted[0]]))
        raise UnknownRewardError(self._unknown_message(name))

    def _unknown_message(self, name: str) -> str:
        known = sorted({e.name for e in self._by_qualified.values()} | set(self._by_qualified))
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        message = f"unknown reward {name!r}"
        if close:
            message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
        failed = [p for p in self.plugins.values() if p.status == "failed"]
        if failed:
            message += " (plugins that failed to load: " + ", ".join(p.name for p in failed) + ")"
        message += (
            ". If it comes from a plugin, the plugin may need installing (pip install <its distribution>);"
            " `python -m verifiers_core list` shows the installed rewards"
        )
        return message

    def create(self, name: str, **params: Any) -> Reward:
        """Build a reward by name with validated parameters.

        The result is a :class:`~verifiers_core.Reward`: a picklable callable that TRL's
        ``GRPOTrainer`` accepts as it is, whose ``__name__`` is the bare reward name and whose
        ``spec`` records what was resolved. Every reward also accepts the core's common parameters
        (:data:`~verifiers_core.params.COMMON_PARAMS`, e.g. ``max_completion_chars``), set on the
        built reward when given.
        """
        entry = self.resolve(name)
        common = _common_params(entry)
        # The common parameters are the core's, not the factory's: applied to the built reward.
        config: RewardConfig | None = None
        if entry.config is not None:  # the config checks its own fields, once, as it is built
            check_param_names(entry.name, entry.params + common, params)
            names = {p.name for p in common}
            shared = bind_params(entry.name, common, {k: v for k, v in params.items() if k in names})
            config = entry.config.build(entry.name, {k: v for k, v in params.items() if k not in names})
            bound = {p.name: getattr(config, p.name) for p in entry.params}
        else:
            bound = bind_params(entry.name, entry.params + common, params)
            shared = {p.name: bound.pop(p.name) for p in common}
        factory = _resolve_factory(entry)
        try:
            reward = factory(config) if config is not None else factory(**bound)
        except VerifiersCoreError:
            raise
        except Exception as exc:
            raise PluginError(
                f"reward {entry.qualified_name!r} (distribution {entry.distribution}) could not be built: "
                f"{_reason(exc)}"
            ) from exc
        if not isinstance(reward, Reward):
            if not callable(reward):
                raise PluginError(
                    f"the factory of reward {entry.qualified_name!r} returned {type(reward).__name__}, "
                    "not a callable"
                )
            reward = CallableReward(reward, name=entry.name)
        reward.__name__ = entry.name
        given = {key: value for key, value in shared.items() if value is not None}
        for key, value in given.items():
            setattr(reward, key, value)
        reward.spec = RewardSpec(
            entry.name,
            entry.qualified_name,
            entry.plugin,
            entry.distribution,
            entry.version,
            {**bound, **given},
        )
        return reward

    # -- datasets --------------------------------------------------------------------------------

    def knows_dataset(self, spec: str) -> bool:
        """Whether ``spec`` (``NAME`` or ``NAME:ARGUMENT``) names a registered dataset generator."""
        self.load()
        return self._datasets.knows(spec)

    def create_dataset(self, spec: str, **params: Any) -> GeneratedDataset:
        """Generate a registered dataset's rows with validated parameters.

        >>> from verifiers_core.testing.examples import ExamplePlugin
        >>> reg = Registry(load_entry_points=False)
        >>> _ = reg.register_plugin(ExamplePlugin(), name="examples")
        >>> reg.create_dataset("sums", size=1, seed=3).rows
        [{'prompt': 'What is 3 + 2?', 'solution': '5'}]
        >>> reg.create_dataset("sums", sise=1)
        Traceback (most recent call last):
        ...
        verifiers_core.errors.DatasetParamError: dataset 'sums' has no parameter 'sise' (did you mean 'size'?); its parameters: size, seed
        """
        self.load()
        failed = [p.name for p in self.plugins.values() if p.status == "failed"]
        entry, argument = self._datasets.resolve(spec, failed)
        return _generate_dataset(entry, spec, argument, params, self._resolve_dataset_callable(entry))

    def dataset_params(self, spec: str) -> tuple[Param, ...]:
        """Every parameter a dataset spec accepts (those that depend on its argument included)."""
        from .dataset_registry import bound_params

        self.load()
        entry, argument = self._datasets.resolve(spec)
        return bound_params(entry, argument, {}, self._resolve_dataset_callable(entry))[0]

    def _resolve_dataset_callable(self, entry: Any) -> Callable[[Any, str], Any]:
        def resolve(target: Any, what: str) -> Any:
            if callable(target):
                return target
            module_name, _, attr = target.partition(":")
            try:
                found: Any = importlib.import_module(module_name)
                for part in attr.split("."):
                    found = getattr(found, part)
            except Exception as exc:
                raise PluginError(
                    f"dataset {entry.name!r} (plugin {entry.plugin}, distribution {entry.distribution}): "
                    f"cannot import its {what} {target!r}: {_reason(exc)}"
                ) from exc
            return found

        return resolve

    def describe_datasets(self) -> list[DatasetInfo]:
        """Rows for every dataset generator (and name conflict), as ``list`` prints them."""
        self.load()
        return self._datasets.describe()

    def describe(self) -> list[RewardInfo]:
        """Rows for every reward, conflict and failed plugin, as ``list`` prints them."""
        rows = [
            RewardInfo(
                e.name, e.plugin, e.distribution, e.version, e.description, e.params + _common_params(e), "ok"
            )
            for e in self.entries()
        ]
        for qualified, entries in sorted(self._conflicts.items()):
            message = _duplicate_message(qualified, entries)
            rows += [
                RewardInfo(
                    e.name, e.plugin, e.distribution, e.version, e.description, e.params, "conflict", message
                )
                for e in entries
            ]
        for info in self.plugins.values():
            if info.status == "failed":
                rows.append(
                    RewardInfo(None, info.name, info.distribution, info.version, "", (), "failed", info.error)
                )
        return rows


def _make_entry(
    name: Any,
    factory: Any,
    description: Any,
    params: Any,
    plugin: str,
    distribution: str | None,
    version: str | None,
    config: Any = None,
) -> RewardEntry:
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"reward name {name!r} is invalid: use letters, digits, '_' and '-', starting with a letter or digit"
        )
    if not (callable(factory) or (isinstance(factory, str) and ":" in factory)):
        raise TypeError(f"reward {name!r}: factory must be a callable or a 'module:attribute' string")
    params = tuple(params)
    if config is not None:
        if not (isinstance(config, type) and issubclass(config, RewardConfig)):
            raise TypeError(f"reward {name!r}: config must be a RewardConfig subclass, got {config!r}")
        if params:
            raise TypeError(f"reward {name!r}: give params or config, not both (config declares them)")
        params = config.params()
    for p in params:
        if not isinstance(p, Param):
            raise TypeError(f"reward {name!r}: params must be verifiers_core.Param objects, got {p!r}")
    description = str(description or "").strip()
    return RewardEntry(name, plugin, factory, description, params, distribution, version, config)


def _common_params(entry: RewardEntry) -> tuple[Param, ...]:
    """The core's common parameters (:data:`~verifiers_core.params.COMMON_PARAMS`) that ``entry``
    does not declare itself.

    >>> [p.name for p in _common_params(RewardEntry("r", "p", lambda: None))]
    ['max_completion_chars']
    """
    own = {p.name for p in entry.params}
    return tuple(p for p in COMMON_PARAMS if p.name not in own)


def _resolve_factory(entry: RewardEntry) -> Callable[..., Any]:
    if callable(entry.factory):
        return entry.factory
    module_name, _, attr = entry.factory.partition(":")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            target = getattr(target, part)
    except Exception as exc:
        raise PluginError(
            f"reward {entry.qualified_name!r} (distribution {entry.distribution}): "
            f"cannot import its factory {entry.factory!r}: {_reason(exc)}"
        ) from exc
    return target


def _duplicate_message(qualified: str, entries: Sequence[RewardEntry]) -> str:
    dists = " and ".join(
        f"{e.distribution or '<no distribution>'} {e.version or ''}".strip() for e in entries
    )
    return f"reward {qualified!r} is registered twice, by {dists}; uninstall one of them"


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        text += f" ({os.path.basename(last.filename)}:{last.lineno})"
    return text


def _entry_points() -> list[metadata.EntryPoint]:
    seen: set[tuple[str, str]] = set()
    out = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        key = (ep.name, ep.value)
        if key in seen:  # the same distribution found twice on sys.path
            continue
        seen.add(key)
        out.append(ep)
    return sorted(out, key=lambda e: e.name)


_default: Registry | None = None
_default_lock = threading.Lock()


def get_registry() -> Registry:
    """The process-wide registry of installed plugins, created on first use.

    >>> get_registry() is get_registry()
    True
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = Registry()
        return _default


def set_registry(registry: Registry | None) -> Registry | None:
    """Replace the process-wide registry (``None``: rebuild on next use); returns the old one.

    >>> old = set_registry(Registry(load_entry_points=False)); _ = set_registry(old)
    """
    global _default
    with _default_lock:
        old, _default = _default, registry
        return old


def get_reward(name: str, **params: Any) -> Reward:
    """Build an installed reward by name, with parameters.

    >>> from verifiers_core.testing import isolated_registry
    >>> from verifiers_core.testing.examples import ExamplePlugin
    >>> with isolated_registry() as registry:
    ...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
    ...     reward = get_reward("exact_answer", column="gold")
    >>> reward.__name__, reward(prompts=["p"], completions=["<think>2+2</think> 4"], gold=["4"])
    ('exact_answer', [1.0])
    """
    return get_registry().create(name, **params)


def get_dataset(spec: str, **params: Any) -> GeneratedDataset:
    """Generate the rows of an installed dataset generator: ``NAME`` or ``NAME:ARGUMENT``.

    >>> from verifiers_core.testing import isolated_registry
    >>> from verifiers_core.testing.examples import ExamplePlugin
    >>> with isolated_registry() as registry:
    ...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
    ...     generated = get_dataset("sums", size=2)
    >>> [row["solution"] for row in generated.rows], generated.rewards
    (['2', '5'], ('exact_answer',))
    """
    return get_registry().create_dataset(spec, **params)


def list_datasets() -> list[DatasetInfo]:
    """Describe every installed dataset generator.

    >>> all(row.status in ("ok", "conflict") for row in list_datasets())
    True
    """
    return get_registry().describe_datasets()


def list_rewards() -> list[RewardInfo]:
    """Describe every installed reward, and every plugin that failed to load.

    >>> all(row.status in ("ok", "conflict", "failed") for row in list_rewards())
    True
    """
    return get_registry().describe()
