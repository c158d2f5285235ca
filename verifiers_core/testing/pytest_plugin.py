"""pytest plugin (entry point ``pytest11``): the test kit's fixtures, available in every test.

- ``reward_registry``: an isolated, empty registry, installed as the process-wide one for the test;
- ``register_plugin``: registers a plugin object into that registry for the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from verifiers_core.registry import PluginInfo, Registry
from verifiers_core.testing import isolated_registry


@pytest.fixture
def reward_registry() -> Iterator[Registry]:
    """An isolated, empty registry for one test (see :func:`isolated_registry`)."""
    with isolated_registry() as registry:
        yield registry


@pytest.fixture
def register_plugin(reward_registry: Registry) -> Callable[..., PluginInfo]:
    """Register a plugin object (module, class or instance with hookimpls) for one test.

    Usage: ``register_plugin(my_plugin_module, name="mine")``; the rewards then resolve through
    ``verifiers_core.get_reward``.
    """

    def register(plugin: Any, name: str = "test_plugin", **kwargs: Any) -> PluginInfo:
        return reward_registry.register_plugin(plugin, name=name, **kwargs)

    return register
