"""Named dataset generators registered by plugins (the ``register_datasets`` hook).

A dataset is selected by a *spec*: ``NAME`` or, for a generator that takes an argument,
``NAME:ARGUMENT`` (``reasoning-gym:countdown,basic_arithmetic``). Names use letters, digits, ``_``
and ``-`` only, so a spec never contains ``/`` or ``.``: it cannot be an ``owner/name`` hub id or a
file name such as ``rows.jsonl``. (The trainer's full rule for ``--dataset`` is in
:mod:`trainer.data`.)

>>> from verifiers_core.testing import isolated_registry
>>> from verifiers_core.testing.examples import ExamplePlugin
>>> with isolated_registry() as registry:
...     _ = registry.register_plugin(ExamplePlugin(), name="examples")
...     generated = registry.create_dataset("sums", size="2", seed=1)
>>> generated.spec, len(generated.rows), sorted(generated.rows[0])
('sums', 2, ['prompt', 'solution'])
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import DatasetError, DatasetParamError, UnknownDatasetError, VerifiersCoreError
from .params import Param, bind_params

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
# An argument: no whitespace, no path separators (so that a spec is never a path or a hub id).
_SPEC_RE = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9_-]*)(?::(?P<argument>[^\s/\\]+))?$")
#: Keys a row may carry besides its columns.
ROW_META_KEYS = frozenset({"data_source"})


@dataclass(frozen=True)
class DatasetEntry:
    """One registered dataset generator."""

    name: str
    plugin: str
    factory: Callable[..., Any] | str = field(compare=False)
    description: str = ""
    params: tuple[Param, ...] = ()
    rewards: tuple[str, ...] = ()
    gold_column: str | None = None
    argument: str | None = None
    params_for: Callable[[str], Sequence[Param]] | str | None = field(default=None, compare=False)
    distribution: str | None = None
    version: str | None = None

    @property
    def usage(self) -> str:
        """How a user selects it: ``NAME`` or ``NAME:ARGUMENT``.

        >>> DatasetEntry("reasoning-gym", "rg", "m:f", argument="TASK[,TASK...]").usage
        'reasoning-gym:TASK[,TASK...]'
        """
        return f"{self.name}:{self.argument}" if self.argument else self.name


@dataclass(frozen=True)
class DatasetInfo:
    """One dataset row of ``python -m verifiers_core list``."""

    name: str
    usage: str
    plugin: str
    distribution: str | None
    version: str | None
    description: str
    params: tuple[Param, ...]
    rewards: tuple[str, ...]
    gold_column: str | None
    argument: str | None
    status: str  # "ok" or "conflict"
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON object printed by ``list --json`` (``kind`` is ``dataset``)."""
        return {
            "kind": "dataset",
            "name": self.name,
            "usage": self.usage,
            "plugin": self.plugin,
            "distribution": self.distribution,
            "version": self.version,
            "description": self.description,
            "params": [p.to_dict() for p in self.params],
            "rewards": list(self.rewards),
            "gold_column": self.gold_column,
            "argument": self.argument,
            "status": self.status,
            "error": self.error,
        }


@dataclass
class GeneratedDataset:
    """Rows made by a registered generator, with what made them (for ``run.json`` and file headers)."""

    spec: str
    entry: DatasetEntry
    argument: str | None
    params: dict[str, Any]
    rows: list[dict[str, Any]]

    @property
    def rewards(self) -> tuple[str, ...]:
        return self.entry.rewards

    @property
    def gold_column(self) -> str | None:
        return self.entry.gold_column

    def describe(self) -> dict[str, Any]:
        """JSON-friendly description (without the rows)."""
        return {
            "spec": self.spec,
            "name": self.entry.name,
            "argument": self.argument,
            "params": dict(self.params),
            "plugin": self.entry.plugin,
            "distribution": self.entry.distribution,
            "version": self.entry.version,
            "rewards": list(self.entry.rewards),
            "gold_column": self.entry.gold_column,
            "rows": len(self.rows),
        }


def parse_spec(text: Any) -> tuple[str, str | None] | None:
    """Split a dataset spec into ``(name, argument)``; ``None`` when ``text`` cannot be a spec.

    >>> parse_spec("reasoning-gym:countdown,basic_arithmetic")
    ('reasoning-gym', 'countdown,basic_arithmetic')
    >>> parse_spec("arithmetic"), parse_spec("openai/gsm8k"), parse_spec("rows.jsonl"), parse_spec("x:")
    (('arithmetic', None), None, None, None)
    """
    if not isinstance(text, str):
        return None
    match = _SPEC_RE.match(text)
    if not match:
        return None
    return match.group("name"), match.group("argument")


def make_entry(
    name: Any,
    factory: Any,
    description: Any = "",
    params: Any = (),
    rewards: Any = (),
    gold_column: Any = None,
    argument: Any = None,
    params_for: Any = None,
    *,
    plugin: str,
    distribution: str | None = None,
    version: str | None = None,
) -> DatasetEntry:
    """Validate one ``register(...)`` call of the ``register_datasets`` hook.

    >>> make_entry("a/b", "m:f", plugin="p")
    Traceback (most recent call last):
    ...
    ValueError: dataset name 'a/b' is invalid: use letters, digits, '_' and '-', starting with a letter or digit (no '/', '.' or ':', so that it is never read as a path or a hub id)
    """
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"dataset name {name!r} is invalid: use letters, digits, '_' and '-', starting with a letter or "
            "digit (no '/', '.' or ':', so that it is never read as a path or a hub id)"
        )
    if not (callable(factory) or (isinstance(factory, str) and ":" in factory)):
        raise TypeError(f"dataset {name!r}: factory must be a callable or a 'module:attribute' string")
    params = tuple(params)
    for p in params:
        if not isinstance(p, Param):
            raise TypeError(f"dataset {name!r}: params must be verifiers_core.Param objects, got {p!r}")
    if isinstance(rewards, str):
        rewards = [r.strip() for r in rewards.split(",") if r.strip()]
    rewards = tuple(rewards)
    if not all(isinstance(r, str) and r for r in rewards):
        raise TypeError(f"dataset {name!r}: rewards must be reward names, got {rewards!r}")
    if gold_column is not None and not isinstance(gold_column, str):
        raise TypeError(f"dataset {name!r}: gold_column must be a column name, got {gold_column!r}")
    if argument is not None and (not isinstance(argument, str) or not argument.strip()):
        raise TypeError(
            f"dataset {name!r}: argument must be a short help text such as 'TASK', got {argument!r}"
        )
    if params_for is not None:
        if argument is None:
            raise TypeError(f"dataset {name!r}: params_for needs an argument")
        if not (callable(params_for) or (isinstance(params_for, str) and ":" in params_for)):
            raise TypeError(f"dataset {name!r}: params_for must be a callable or a 'module:attribute' string")
    return DatasetEntry(
        name,
        plugin,
        factory,
        str(description or "").strip(),
        params,
        rewards,
        gold_column,
        argument,
        params_for,
        distribution,
        version,
    )


class DatasetTable:
    """The registered dataset generators of one registry, with name conflicts kept apart."""

    def __init__(self) -> None:
        self.entries: dict[str, DatasetEntry] = {}
        self.conflicts: dict[str, list[DatasetEntry]] = {}

    def add(self, entry: DatasetEntry) -> str | None:
        """Add an entry; returns a message when its name is already taken (both are then unusable)."""
        if entry.name in self.conflicts:
            self.conflicts[entry.name].append(entry)
            return None
        existing = self.entries.pop(entry.name, None)
        if existing is None:
            self.entries[entry.name] = entry
            return None
        self.conflicts[entry.name] = [existing, entry]
        return duplicate_message(entry.name, self.conflicts[entry.name])

    def knows(self, spec: str) -> bool:
        """Whether ``spec`` names a registered (or conflicting) generator.

        >>> table = DatasetTable(); _ = table.add(make_entry("sums", "m:f", plugin="p"))
        >>> table.knows("sums"), table.knows("sums:x"), table.knows("gsm8k"), table.knows("./sums")
        (True, True, False, False)
        """
        parsed = parse_spec(spec)
        return parsed is not None and (parsed[0] in self.entries or parsed[0] in self.conflicts)

    def resolve(self, spec: str, failed_plugins: Sequence[str] = ()) -> tuple[DatasetEntry, str | None]:
        """The entry and the argument that ``spec`` selects; errors say what would work."""
        parsed = parse_spec(spec)
        if parsed is None:
            raise UnknownDatasetError(
                f"{spec!r} is not a dataset name: a registered dataset is NAME or NAME:ARGUMENT (letters, "
                "digits, '_' and '-'; `python -m verifiers_core list` shows them)"
            )
        name, argument = parsed
        if name in self.conflicts:
            raise DatasetError(duplicate_message(name, self.conflicts[name]))
        entry = self.entries.get(name)
        if entry is None:
            close = difflib.get_close_matches(name, list(self.entries), n=3, cutoff=0.6)
            message = f"unknown dataset {name!r}"
            if close:
                message += "; did you mean " + " or ".join(repr(c) for c in close) + "?"
            if failed_plugins:
                message += " (plugins that failed to load: " + ", ".join(failed_plugins) + ")"
            raise UnknownDatasetError(
                message + ". `python -m verifiers_core list` shows the installed datasets"
            )
        if entry.argument is not None and argument is None:
            raise DatasetParamError(f"dataset {name!r} needs an argument: write it as {entry.usage}")
        if entry.argument is None and argument is not None:
            raise DatasetParamError(f"dataset {name!r} takes no argument: write it as {name}, not {spec}")
        return entry, argument

    def describe(self) -> list[DatasetInfo]:
        """Rows for every dataset and conflict, sorted by name."""
        rows = [_info(e, "ok") for _, e in sorted(self.entries.items())]
        for name, entries in sorted(self.conflicts.items()):
            message = duplicate_message(name, entries)
            rows += [_info(e, "conflict", message) for e in entries]
        return rows


def _info(entry: DatasetEntry, status: str, error: str | None = None) -> DatasetInfo:
    return DatasetInfo(
        entry.name,
        entry.usage,
        entry.plugin,
        entry.distribution,
        entry.version,
        entry.description,
        entry.params,
        entry.rewards,
        entry.gold_column,
        entry.argument,
        status,
        error,
    )


def duplicate_message(name: str, entries: Sequence[DatasetEntry]) -> str:
    """Why a dataset name cannot be used: two plugins registered it."""
    who = " and ".join(
        f"plugin {e.plugin} ({' '.join(filter(None, (e.distribution, e.version))) or 'no distribution'})"
        for e in entries
    )
    return f"dataset {name!r} is registered twice, by {who}; uninstall one of them"


def bound_params(
    entry: DatasetEntry, argument: str | None, given: Mapping[str, Any], resolve: Callable[[Any, str], Any]
) -> tuple[tuple[Param, ...], dict[str, Any]]:
    """Every parameter of ``entry`` for ``argument`` and the validated values of ``given``."""
    params = entry.params
    label = entry.name if argument is None else f"{entry.name}:{argument}"
    if entry.params_for is not None and argument is not None:
        params_for = resolve(entry.params_for, "params_for")
        try:
            extra = tuple(params_for(argument))
        except VerifiersCoreError:
            raise
        except Exception as exc:
            raise DatasetError(
                f"dataset {label!r} (plugin {entry.plugin}): its parameters could not be listed: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        taken = {p.name for p in params}
        params = params + tuple(p for p in extra if p.name not in taken)
    return params, bind_params(label, params, given, kind="dataset", error=DatasetParamError)


def generate(
    entry: DatasetEntry,
    spec: str,
    argument: str | None,
    given: Mapping[str, Any],
    resolve: Callable[[Any, str], Any],
) -> GeneratedDataset:
    """Call the generator with validated parameters and check its rows."""
    _, bound = bound_params(entry, argument, given, resolve)
    factory = resolve(entry.factory, "factory")
    try:
        produced = factory(**bound) if argument is None else factory(argument, **bound)
        rows = list(produced)
    except VerifiersCoreError:
        raise
    except Exception as exc:
        raise DatasetError(
            f"dataset {spec!r} (plugin {entry.plugin}, distribution {entry.distribution}) could not be "
            f"generated with {bound}: {type(exc).__name__}: {exc}"
        ) from exc
    check_rows(spec, rows)
    return GeneratedDataset(spec, entry, argument, bound, rows)


def check_rows(spec: str, rows: Iterable[Any]) -> None:
    """Every row is a dict of string keys with a usable ``prompt``; errors name the row and field.

    >>> check_rows("sums", [{"prompt": "1+1?", "solution": "2"}, {"prompt": ""}])
    Traceback (most recent call last):
    ...
    verifiers_core.errors.DatasetError: dataset 'sums', row 1: 'prompt' is an empty text; a prompt is a non-empty text or a list of {'role', 'content'} messages
    """
    for i, row in enumerate(rows):
        where = f"dataset {spec!r}, row {i}"
        if not isinstance(row, dict):
            raise DatasetError(f"{where}: a row must be a dict, got {type(row).__name__}")
        bad_key = next((k for k in row if not isinstance(k, str)), None)
        if bad_key is not None:
            raise DatasetError(f"{where}: column names must be strings, got {bad_key!r}")
        if "prompt" not in row:
            raise DatasetError(f"{where}: no 'prompt' (columns: {', '.join(row) or 'none'})")
        problem = _prompt_problem(row["prompt"])
        if problem:
            raise DatasetError(
                f"{where}: 'prompt' is {problem}; a prompt is a non-empty text or a list of "
                "{'role', 'content'} messages"
            )
        source = row.get("data_source")
        if source is not None and not isinstance(source, str):
            raise DatasetError(f"{where}: 'data_source' must be a string, got {type(source).__name__}")


def _prompt_problem(prompt: Any) -> str | None:
    if isinstance(prompt, str):
        return None if prompt.strip() else "an empty text"
    if isinstance(prompt, list) and prompt:
        for message in prompt:
            if not (
                isinstance(message, dict)
                and isinstance(message.get("role"), str)
                and isinstance(message.get("content"), str)
            ):
                return f"a list holding {message!r:.60}, not a {{'role', 'content'}} message"
        return None
    return f"{type(prompt).__name__} {prompt!r:.60}"


__all__ = [
    "DatasetEntry",
    "DatasetInfo",
    "DatasetTable",
    "GeneratedDataset",
    "check_rows",
    "generate",
    "make_entry",
    "parse_spec",
]
