"""The ``code`` plugin: registers ``code``, ``code_binary`` and ``code_format``.

Light on purpose: the factories are ``"module:attribute"`` strings and the parameters are declared in
:mod:`verifiers_code.config`, so listing rewards imports neither the sandbox nor anything else.

>>> import verifiers_core
>>> registry = verifiers_core.Registry(load_entry_points=False)
>>> _ = registry.register_plugin(__import__("verifiers_code.plugin").plugin, name="code")
>>> sorted(e.name for e in registry.entries())
['code', 'code_binary', 'code_format']
"""

from __future__ import annotations

import verifiers_core

from .config import CodeConfig, CodeFormatConfig


@verifiers_core.hookimpl
def register_rewards(register) -> None:  # type: ignore[no-untyped-def]
    """Register the three code rewards (parameters: :mod:`verifiers_code.config`)."""
    register(
        "code",
        "verifiers_code.rewards:CodeReward",
        description="fraction of the row's tests the completion's program passes (sandboxed)",
        config=CodeConfig,
    )
    register(
        "code_binary",
        "verifiers_code.rewards:CodeBinaryReward",
        description="1.0 only if the completion's program passes every test (sandboxed)",
        config=CodeConfig,
    )
    register(
        "code_format",
        "verifiers_code.rewards:CodeFormatReward",
        description="1.0 if the final answer has a fenced block in the expected language that parses",
        config=CodeFormatConfig,
    )
