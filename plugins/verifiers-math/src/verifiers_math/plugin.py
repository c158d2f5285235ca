"""Registers ``accuracy`` and ``cosine`` with verifiers-core (entry point ``math``).

This module imports nothing heavy: the factories are ``module:attr`` strings, so the rewards'
modules load only when a reward is built, and sympy/math-verify only in the grading workers.

>>> from verifiers_core import Registry
>>> import verifiers_math.plugin as plugin
>>> reg = Registry(load_entry_points=False)
>>> _ = reg.register_plugin(plugin, name="math")
>>> sorted(e.qualified_name for e in reg.entries())
['math/accuracy', 'math/cosine']
"""

from __future__ import annotations

import verifiers_core

from .config import AccuracyConfig, CosineConfig


@verifiers_core.hookimpl
def register_rewards(register) -> None:
    """Register the math rewards (their parameters: :mod:`verifiers_math.config`)."""
    register(
        "accuracy",
        "verifiers_math.rewards:AccuracyReward",
        description="1.0 if the final answer equals the gold mathematically (math-verify, hard timeouts), "
        "None if the gold is unusable",
        config=AccuracyConfig,
    )
    register(
        "cosine",
        "verifiers_math.rewards:CosineReward",
        description="accuracy scaled by completion length in tokens on a cosine schedule (short and right "
        "is best, short and wrong is worst)",
        config=CosineConfig,
    )
