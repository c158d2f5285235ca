"""Hook specifications: the reference for plugin authors.

A plugin is a module exposed through the ``verifiers_core`` entry-point group of its distribution::

    # pyproject.toml of your distribution
    [project.entry-points.verifiers_core]
    myplugin = "my_package.plugin"

The module implements one or more of the hooks below, marked with :data:`hookimpl`::

    import verifiers_core

    @verifiers_core.hookimpl
    def register_rewards(register):
        register("shout", make_shout, description="1.0 if the answer is in capitals")

The entry-point name (``myplugin`` above) is the plugin's name: its rewards answer to
``myplugin/shout`` as well as to the bare ``shout``.

A plugin may also ship the data its rewards need, as named dataset generators
(:func:`register_datasets`): ``python -m verifiers_core dataset NAME`` writes their rows and
``python -m trainer --dataset NAME`` generates them at run time.

``docs/writing-rewards.md`` is the full reference for plugin authors (the ``Reward`` and ``Batch``
API, counters, async rewards, the answer-region rule, bounding work on hostile input).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

import pluggy

from .config import RewardConfig
from .params import Param

#: The pluggy project name, which is also the entry-point group.
PROJECT_NAME = "verifiers_core"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Decorator for plugin hook implementations, e.g. ``@verifiers_core.hookimpl``.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class RegisterReward(Protocol):
    """The ``register`` that :func:`register_rewards` receives (annotate your hook with it)."""

    def __call__(
        self,
        name: str,
        factory: Callable[..., Any] | str,
        description: str = "",
        params: Sequence[Param] = (),
        config: type[RewardConfig] | None = None,
    ) -> None: ...


class RegisterDataset(Protocol):
    """The ``register`` that :func:`register_datasets` receives (annotate your hook with it)."""

    def __call__(
        self,
        name: str,
        factory: Callable[..., Iterable[dict[str, Any]]] | str,
        description: str = "",
        params: Sequence[Param] = (),
        rewards: Sequence[str] = (),
        gold_column: str | None = None,
        argument: str | None = None,
        params_for: Callable[[str], Sequence[Param]] | None = None,
    ) -> None: ...


@hookspec
def register_rewards(register: RegisterReward) -> None:
    """Register the rewards this plugin provides.

    Call ``register`` once for each reward::

        register(
            name,                 # str: the bare name, letters, digits, "_" and "-"
            factory,              # callable(**params) -> reward, or "module:attribute" imported on first use
            description="...",    # one line shown by `python -m verifiers_core list`
            config=MyConfig,      # the parameters, declared once (a RewardConfig dataclass)
        )

    ``config`` is a frozen dataclass derived from :class:`verifiers_core.RewardConfig` whose fields,
    made with :func:`verifiers_core.option`, carry each parameter's type, default, help and bounds:
    the registry shows and validates the parameters from it and calls ``factory(config)`` with the
    validated instance. (``params=[Param(...)]`` instead, without ``config``, declares them as a
    list and calls ``factory(**params)``: fine for a reward with one or two parameters.)

    ``factory`` returns the reward:
    either an instance of :class:`verifiers_core.Reward` (recommended: it handles plain and
    conversational completions, missing columns and metric logging for you) or any callable with
    TRL's reward signature ``f(prompts=..., completions=..., completion_ids=..., **columns)``
    returning one ``float`` or ``None`` per completion; a plain callable is wrapped so that it obeys
    the same contract.

    Keep the module that implements this hook light: import heavy dependencies (sympy, torch, ...)
    inside the factory, or give the factory as a ``"module:attribute"`` string, so that listing
    rewards stays fast.
    """


@hookspec
def register_datasets(register: RegisterDataset) -> None:
    """Register the dataset generators this plugin provides.

    Call ``register`` once for each generator::

        register(
            name,                       # str: letters, digits, "_" and "-" (no "/", ".", ":")
            factory,                    # callable(**params) -> rows, or "module:attribute"
            description="...",          # one line shown by `python -m verifiers_core list`
            params=[Param("size", int, 1000, min=1), Param("seed", int, 0), ...],
            rewards=["accuracy", "format"],  # the reward names whose columns the rows carry
            gold_column="solution",     # the column veRL's layout puts in reward_model.ground_truth
            argument=None,              # or a help text: the dataset is then NAME:ARGUMENT
            params_for=None,            # with an argument: callable(argument) -> more Params
        )

    ``factory`` returns an iterable of rows: dicts with a ``prompt`` (a non-empty text or a list of
    ``{"role", "content"}`` messages) and the columns the fitting rewards read, as TRL's
    ``GRPOTrainer`` takes them. A row may carry ``data_source`` (where it comes from; veRL's layout
    uses it). Rows must be plain JSON data: they are written to JSONL and Parquet files and travel
    to other processes and machines, so a reward must be able to score a row from its columns alone.

    With ``argument`` (e.g. ``"TASK[,TASK...]"``) the dataset is selected as ``NAME:ARGUMENT`` and
    the factory is called as ``factory(argument, **params)``; ``params_for(argument)`` may add the
    parameters that depend on it (a task's own configuration). Raise
    :class:`verifiers_core.errors.DatasetParamError` for an argument or value you cannot use.

    Generation is deterministic for a given seed; the same rules as for rewards apply to keeping
    the module light (give heavy factories as ``"module:attribute"`` strings).
    """
