"""pytest plugin (entry point ``pytest11``): makes the test kit's fixtures available in every test."""

from verifiers_core.testing import register_plugin, reward_registry  # noqa: F401
