"""What ``--dataset`` names: a registered dataset generator, a local file or folder, or a hub id.

The rule, checked in this order (nothing is downloaded to decide):

1. **A registered dataset** (``python -m verifiers_core list`` shows them): ``NAME`` or
   ``NAME:ARGUMENT`` whose ``NAME`` a plugin registered, e.g. ``arithmetic`` or
   ``reasoning-gym:countdown,basic_arithmetic``. Its rows are generated at run time, with the
   parameters of ``--dataset-arg KEY=VALUE`` (or YAML ``dataset: {name: ..., args: {...}}``).
   Registered names hold only letters, digits, ``_`` and ``-``, so ``owner/name`` hub ids, paths
   (``./x``, ``/x``, ``a/b``) and file names (``rows.jsonl``) never match one. If a file or folder
   of the same name exists in the working directory, that is an error (ambiguous): write
   ``./NAME`` for the local one.
2. **A spec with a colon** (``NAME:ARGUMENT``) whose ``NAME`` is not registered and no such path
   exists: an error naming the missing plugin (a hub id never contains ``:``).
3. **A local file or folder** that exists.
4. **A name that can only be a path** (``./x``, ``/x``, ``a/b/c``, ``~/x``): an error, it does not exist.
5. Otherwise **a hub id** (``openai/gsm8k``; a bare legacy id such as ``gsm8k`` too, unless a
   plugin registered that name: then write the hub id with its owner).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from verifiers_core.dataset_registry import parse_spec

from .errors import TrainerConfigError

REGISTERED, LOCAL, HUB = "registered", "local", "hub"


@dataclass
class DatasetChoice:
    """``--dataset`` and its parameters, from the command line or YAML."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


def dataset_choice(dataset: Any, dataset_arg: list[str] | None) -> DatasetChoice | None:
    """Read ``--dataset NAME`` / YAML ``dataset: NAME`` or ``dataset: {name: NAME, args: {...}}``,
    plus ``--dataset-arg KEY=VALUE`` (which adds to or overrides the YAML ``args``).

    >>> dataset_choice({"name": "arithmetic", "args": {"size": 64}}, ["seed=3"])
    DatasetChoice(name='arithmetic', args={'size': 64, 'seed': '3'})
    >>> dataset_choice({"nme": "arithmetic"}, None)
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: dataset: a mapping takes the keys name and args, got nme
    """
    if dataset is None:
        if dataset_arg:
            raise TrainerConfigError("--dataset-arg given without --dataset")
        return None
    args: dict[str, Any] = {}
    if isinstance(dataset, Mapping):
        unknown = sorted(set(dataset) - {"name", "args"})
        if unknown:
            raise TrainerConfigError(
                f"dataset: a mapping takes the keys name and args, got {', '.join(unknown)}"
            )
        name = dataset.get("name")
        given = dataset.get("args") or {}
        if not isinstance(given, Mapping):
            raise TrainerConfigError(f"dataset: args must be a mapping of parameter: value, got {given!r}")
        args.update({str(k): v for k, v in given.items()})
    else:
        name = dataset
    if not isinstance(name, str) or not name.strip():
        raise TrainerConfigError(f"dataset: the name must be a non-empty string, got {name!r}")
    for pair in dataset_arg or []:
        key, eq, value = str(pair).partition("=")
        if not eq or not key.strip():
            raise TrainerConfigError(f"--dataset-arg {pair!r}: write KEY=VALUE, e.g. --dataset-arg size=1000")
        args[key.strip()] = value
    return DatasetChoice(name.strip(), args)


def dataset_kind(name: str, registry: Any = None) -> str:
    """Which of the rule's cases ``name`` falls in: ``registered``, ``local`` or ``hub``.

    >>> from verifiers_core import Registry
    >>> from verifiers_core.testing.examples import ExamplePlugin
    >>> reg = Registry(load_entry_points=False); _ = reg.register_plugin(ExamplePlugin(), name="ex")
    >>> [dataset_kind(n, reg) for n in ("sums", "openai/gsm8k", "gsm8k")]
    ['registered', 'hub', 'hub']
    >>> dataset_kind("reasoning-gym:countdown", reg)
    Traceback (most recent call last):
    ...
    trainer.errors.TrainerConfigError: --dataset 'reasoning-gym:countdown' names the dataset generator 'reasoning-gym', which no installed plugin registers (`python -m verifiers_core list` shows the installed ones; install its plugin, e.g. pip install -e plugins/verifiers-reasoning-gym), and it is no local path either
    """
    if registry is None:
        from verifiers_core import get_registry

        registry = get_registry()
    exists = os.path.exists(os.path.expanduser(name))
    parsed = parse_spec(name)
    if parsed is not None and registry.knows_dataset(name):
        if exists:
            raise TrainerConfigError(
                f"--dataset {name!r} is ambiguous: it is a registered dataset and a local path here. Write "
                f"./{name} for the local one, or run from another directory to generate the registered one"
            )
        return REGISTERED
    if parsed is not None and parsed[1] is not None and not exists:
        raise TrainerConfigError(
            f"--dataset {name!r} names the dataset generator {parsed[0]!r}, which no installed plugin registers "
            "(`python -m verifiers_core list` shows the installed ones; install its plugin, e.g. pip install "
            "-e plugins/verifiers-reasoning-gym), and it is no local path either"
        )
    return LOCAL if exists else HUB


def generate_rows(choice: DatasetChoice, split: str | None = None, registry: Any = None) -> Any:
    """Generate a registered dataset: a :class:`verifiers_core.GeneratedDataset`.

    ``split`` (``--dataset_split`` when the user set it) fills the generator's ``split`` parameter
    if it has one and ``--dataset-arg split=...`` did not set it.
    """
    if registry is None:
        from verifiers_core import get_registry

        registry = get_registry()
    args = dict(choice.args)
    if split is not None and "split" not in args:
        if any(p.name == "split" for p in registry.dataset_params(choice.name)):
            args["split"] = split
    return registry.create_dataset(choice.name, **args)


def rows_to_dataset(rows: list[dict[str, Any]]) -> Any:
    """Generated rows as a ``datasets.Dataset`` (in memory; nothing is downloaded or cached).

    >>> rows_to_dataset([{"prompt": "1+1?", "solution": "2"}]).column_names
    ['prompt', 'solution']
    """
    from datasets import Dataset

    return Dataset.from_list(rows)


__all__ = ["HUB", "LOCAL", "REGISTERED", "DatasetChoice", "dataset_choice", "dataset_kind", "generate_rows"]
