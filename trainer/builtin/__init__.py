"""The built-in default for ``python -m trainer``: a small model that learns arithmetic on CPU.

``builtin_defaults(seed)`` builds (once, then from a cache) a character-level tokenizer and a
0.5M-parameter Qwen2 model cold-started with SFT on two-digit addition and subtraction in the R1
shape (``<think>…</think> \\boxed{n}``), deliberately imperfect, and returns it with a training and a
held-out dataset, ``GRPOConfig`` values tuned for 2 CPU cores, and a greedy held-out evaluation.
"""

from .defaults import BuiltinSetup, build_builtin, builtin_defaults, grpo_overrides
from .evaluate import evaluate

__all__ = ["BuiltinSetup", "build_builtin", "builtin_defaults", "evaluate", "grpo_overrides"]
