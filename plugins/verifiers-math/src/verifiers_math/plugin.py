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
from verifiers_core import THINK_OPENED, Param

ANSWER_FORMATS = ("any", "marked", "boxed")  # kept equal to verifiers_math.extract.ANSWER_FORMATS

ACCURACY_PARAMS = [
    Param("column", str, "solution", "dataset column holding the gold answer"),
    Param(
        "answer_format",
        str,
        "any",
        "where the answer may be: 'boxed' (last \\boxed{} only), 'marked' (also '#### N' and "
        "'the answer is' lines), 'any' (also math-verify's extraction of the final text)",
        choices=ANSWER_FORMATS,
    ),
    THINK_OPENED,
    Param(
        "timeout",
        float,
        3.0,
        "hard limit in seconds per gold parse and per answer, from pick-up",
        min=0.1,
        max=600,
    ),
    Param(
        "workers",
        int,
        0,
        "grading processes shared by this process; 0 = one per CPU (at most 8)",
        min=0,
        max=64,
    ),
    Param("memory_mb", int, 1024, "address-space cap per grading process in MiB; 0 = none", min=0),
    Param("max_answer_chars", int, 2000, "longer extracted answers (and golds) are not parsed", min=1),
    Param(
        "tolerance",
        float,
        1e-6,
        "relative tolerance where a side is written as a decimal; exact values compare exactly",
        min=0.0,
        max=0.5,
    ),
]

COSINE_PARAMS = [
    Param("max_len", int, 1024, "completion length in tokens at which the scale bottoms out", min=1),
    Param("min_value_wrong", float, -1.0, "reward of a wrong answer of length 0"),
    Param("max_value_wrong", float, -0.5, "reward of a wrong answer at max_len or longer"),
    Param("min_value_correct", float, 0.5, "reward of a right answer at max_len or longer"),
    Param("max_value_correct", float, 1.0, "reward of a right answer of length 0"),
    Param(
        "chars_per_token", float, 4.0, "length estimate when the trainer passes no completion_ids", min=0.01
    ),
    *ACCURACY_PARAMS,
]


@verifiers_core.hookimpl
def register_rewards(register) -> None:
    """Register the math rewards."""
    register(
        "accuracy",
        "verifiers_math.rewards:build_accuracy",
        description="1.0 if the final answer equals the gold mathematically (math-verify, hard timeouts), "
        "None if the gold is unusable",
        params=ACCURACY_PARAMS,
    )
    register(
        "cosine",
        "verifiers_math.rewards:build_cosine",
        description="accuracy scaled by completion length in tokens on a cosine schedule (short and right "
        "is best, short and wrong is worst)",
        params=COSINE_PARAMS,
    )
