"""Registers the built-in arithmetic task as the dataset ``arithmetic``, as a plugin would.

Entry point (the root ``pyproject.toml``)::

    [project.entry-points.verifiers_core]
    builtin = "trainer.arithmetic_plugin"

This module imports only the core (it lives outside ``trainer.builtin``, whose package imports
torch): the generator is given as a ``"module:attribute"`` string, imported when rows are made.

>>> import verifiers_core
>>> from verifiers_core.testing import isolated_registry
>>> from trainer import arithmetic_plugin as plugin
>>> with isolated_registry() as registry:
...     _ = registry.register_plugin(plugin, name="builtin")
...     rows = verifiers_core.get_dataset("arithmetic", size=2, seed=0).rows
>>> rows[0]
{'prompt': [{'role': 'user', 'content': '79+90=?'}], 'solution': '169'}
"""

from __future__ import annotations

from collections.abc import Callable

import verifiers_core
from verifiers_core import Param


@verifiers_core.hookimpl
def register_datasets(register: Callable[..., None]) -> None:
    """Register ``arithmetic`` (the CPU demo's task)."""
    register(
        "arithmetic",
        "trainer.builtin.rows:arithmetic_rows",
        description="two-digit addition and subtraction (the CPU demo's task): '28+36=?' -> solution '64'",
        params=[
            Param("size", int, 2000, "rows (heldout: at most 500)", min=1),
            Param("seed", int, 0, "which train/held-out split of the 12,195 problems, and which draw", min=0),
            Param(
                "split",
                str,
                "train",
                "train: draws from the training pool; heldout: problems no training draw uses",
                choices=("train", "heldout"),
            ),
            Param("regroup_share", float, 0.65, "share of problems that carry or borrow", min=0.0, max=1.0),
        ],
        rewards=["accuracy", "format"],
        gold_column="solution",
    )
