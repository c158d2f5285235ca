"""The built-in default for ``python -m trainer``: a small model that learns arithmetic on CPU.

``builtin_defaults(seed)`` builds (once, then from a cache) a character-level tokenizer and a
0.5M-parameter Qwen2 model cold-started with SFT on two-digit addition and subtraction in the R1
shape (``<think>…</think> \\boxed{n}``), deliberately imperfect, and returns it with a training and a
held-out dataset, ``GRPOConfig`` values tuned for 2 CPU cores, and a greedy held-out evaluation.

The names below load on first use: the ``arithmetic`` dataset plugin (:mod:`.plugin`) and its
generator (:mod:`.rows`) live in this package and must not pull in torch. The greedy evaluation is
:func:`trainer.builtin.evaluate.evaluate`.
"""

from __future__ import annotations

from typing import Any

_LAZY = {
    "BuiltinSetup": "defaults",
    "build_builtin": "defaults",
    "builtin_defaults": "defaults",
    "grpo_overrides": "defaults",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BuiltinSetup", "build_builtin", "builtin_defaults", "grpo_overrides"]
