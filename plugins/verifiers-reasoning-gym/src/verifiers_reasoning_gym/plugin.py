"""The ``reasoning-gym`` plugin: the datasets ``reasoning-gym:<task>`` and the reward ``reasoning_gym``.

Entry point (``pyproject.toml``)::

    [project.entry-points.verifiers_core]
    reasoning-gym = "verifiers_reasoning_gym.plugin"

Nothing heavy is imported here: reasoning-gym (and sympy with it) loads when rows are generated,
and in the scoring workers, never when listing.

>>> import verifiers_core
>>> from verifiers_core.testing import isolated_registry
>>> from verifiers_reasoning_gym import plugin
>>> with isolated_registry() as registry:
...     _ = registry.register_plugin(plugin, name="reasoning-gym")
...     rows = verifiers_core.get_dataset("reasoning-gym:basic_arithmetic", size=2, seed=0).rows
>>> sorted(rows[0])
['answer', 'data_source', 'metadata', 'prompt']
"""

from __future__ import annotations

from collections.abc import Callable

import verifiers_core
from verifiers_core import Param

from .config import ReasoningGymConfig


@verifiers_core.hookimpl
def register_rewards(register: Callable[..., None]) -> None:
    """Register ``reasoning_gym`` (parameters: :mod:`verifiers_reasoning_gym.config`)."""
    register(
        "reasoning_gym",
        "verifiers_reasoning_gym.reward:ReasoningGymReward",
        description="any reasoning-gym task's row scored by the task's own check, from the answer and "
        "metadata columns (answer read from <answer>, \\boxed{} or the final text)",
        config=ReasoningGymConfig,
    )


@verifiers_core.hookimpl
def register_datasets(register: Callable[..., None]) -> None:
    """Register ``reasoning-gym:<task>[,<task>...]``."""
    register(
        "reasoning-gym",
        "verifiers_reasoning_gym.tasks:reasoning_gym_rows",
        description="reasoning-gym's procedural tasks (about 100; `python -m verifiers_reasoning_gym.tasks` "
        "lists them), one or several in turn; the task's configuration fields are parameters",
        params=[
            Param("size", int, 1000, "rows in all (the tasks take turns)", min=1),
            Param("seed", int, 0, "seed of the draw", min=0),
            Param(
                "split",
                str,
                "train",
                "train or test: disjoint item streams of the same seed",
                choices=("train", "test"),
            ),
        ],
        rewards=["reasoning_gym"],
        gold_column="answer",
        argument="TASK[,TASK...]",
        params_for="verifiers_reasoning_gym.tasks:params_for",
    )
