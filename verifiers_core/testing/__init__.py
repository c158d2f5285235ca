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
from .forks import check_in_fork


@contextmanager
def isolated_registry(*, strict: bool = True) -> Iterator[Registry]:
    """An empty registry installed as the process-wide one, restored afterwards.

    Strict by default: an exception in your plugin's ``register_rewards`` (or a duplicate name) is
    raised where you registered the plugin, not turned into a warning and a later "unknown reward".
    ``strict=False`` gives the production behaviour (a broken plugin is isolated and listed as failed).

    >>> import verifiers_core
    >>> with isolated_registry() as reg:
    ...     verifiers_core.list_rewards()
    []
    >>> class Broken:
    ...     @verifiers_core.hookimpl
    ...     def register_rewards(self, register):
    ...         raise RuntimeError("typo in my plugin")
    >>> with isolated_registry() as reg:
    ...     reg.register_plugin(Broken(), name="broken")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    verifiers_core.errors.PluginError: plugin 'broken' failed to load: register_rewards failed: RuntimeError: typo in my plugin ...
    """
    registry = Registry(load_entry_points=False, strict=strict)
    old = set_registry(registry)
    try:
        yield registry
    finally:
        set_registry(old)


__all__ = [
    "check_in_fork",
    "EDGE_COMPLETIONS",
    "ContractReport",
    "check_reward_contract",
    "isolated_registry",
]
