"""Test kit for reward plugin authors.

Installed with verifiers-core and registered as a pytest plugin, so these fixtures are available in
any test once verifiers-core is installed:

- ``reward_registry``: an isolated, empty registry, installed as the process-wide one for the test
  (``get_reward`` and ``list_rewards`` see only what the test registers);
- ``register_plugin``: registers a plugin object into that registry for the test;

and :func:`check_reward_contract` checks a reward against the reward contract::

    from verifiers_core.testing import check_reward_contract

    def test_contract():
        check_reward_contract("shout", [{"completion": "HI", "expected": 1.0}])
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..registry import Registry, set_registry
from .contract import EDGE_COMPLETIONS, ContractReport, check_reward_contract


@contextmanager
def isolated_registry() -> Iterator[Registry]:
    """An empty registry installed as the process-wide one, restored afterwards.

    >>> import verifiers_core
    >>> with isolated_registry() as reg:
    ...     verifiers_core.list_rewards()
    []
    """
    registry = Registry(load_entry_points=False)
    old = set_registry(registry)
    try:
        yield registry
    finally:
        set_registry(old)


__all__ = [
    "EDGE_COMPLETIONS",
    "ContractReport",
    "check_reward_contract",
    "isolated_registry",
]
