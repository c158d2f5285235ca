"""The ``format`` plugin: registers ``format``, ``tag_count``, ``repetition``, ``overlong`` and
``language_consistency``.

Entry point (``pyproject.toml``)::

    [project.entry-points.verifiers_core]
    format = "verifiers_format.plugin"

This module imports nothing but the core: each factory is a ``"module:attribute"`` string,
imported when the reward is built, so ``python -m verifiers_core list`` stays fast.

>>> import verifiers_core
>>> from verifiers_core.testing import isolated_registry
>>> from verifiers_format import plugin
>>> with isolated_registry() as registry:
...     _ = registry.register_plugin(plugin, name="format")
...     fmt = verifiers_core.get_reward("format/format")
...     fmt(prompts=["2+2?"], completions=["<think>2+2=4</think> \\\\boxed{4}"])
[1.0]
"""

from __future__ import annotations

from collections.abc import Callable

import verifiers_core

from .config import FormatConfig, LanguageConsistencyConfig, OverlongConfig, RepetitionConfig, TagCountConfig


@verifiers_core.hookimpl
def register_rewards(register: Callable[..., None]) -> None:
    """Register the rewards of this plugin (parameters: :mod:`verifiers_format.config`; the README
    defines them)."""
    register(
        "format",
        "verifiers_format.format_reward:FormatReward",
        description="1.0 for <think>reasoning</think> then a non-empty answer (R1 shape), else 0.0",
        config=FormatConfig,
    )
    register(
        "tag_count",
        "verifiers_format.tag_count:TagCountReward",
        description="partial credit per well-placed format tag (0.25 each with open-r1's template)",
        config=TagCountConfig,
    )
    register(
        "repetition",
        "verifiers_format.repetition:RepetitionReward",
        description="n-gram repetition penalty in [max_penalty, 0] over token ids, or words without ids",
        config=RepetitionConfig,
    )
    register(
        "overlong",
        "verifiers_format.overlong:OverlongReward",
        description="DAPO soft overlong punishment: 0 up to max_length-buffer tokens, down to -1 at max_length",
        config=OverlongConfig,
    )
    register(
        "language_consistency",
        "verifiers_format.language:LanguageConsistencyReward",
        description="share of the reasoning's words in the target language (DeepSeek-R1), by Unicode script; "
        "code, math, numbers and symbols ignored",
        config=LanguageConsistencyConfig,
    )
