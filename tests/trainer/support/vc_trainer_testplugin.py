"""A tiny reward plugin for the trainer's tests (installed for a subprocess through a dist-info on PYTHONPATH).

Its rewards vary inside a group of completions of a random model, so GRPO gets non-zero advantages.
"""

from __future__ import annotations

from typing import Any

import verifiers_core
from verifiers_core import Batch, Param, Reward


class VowelShare(Reward):
    """Share of letters in the completion that are vowels (0.0 for no letters)."""

    __name__ = "vowels"

    def score_one(self, text: str, row: dict[str, Any]) -> float:
        letters = [c for c in text.lower() if c.isalpha()]
        return sum(c in "aeiou" for c in letters) / len(letters) if letters else 0.0


class DigitShare(Reward):
    """Share of characters that are digits, times ``scale``; completions without a digit are counted
    (``digits/no_digits``: a reward's own counter, as a plugin's timeouts or sandbox restarts are)."""

    __name__ = "digits"
    reported_counts = ("errors", "no_digits")

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def score(self, batch: Batch) -> list[float]:
        out = []
        for i, text in enumerate(batch.texts):
            digits = sum(c.isdigit() for c in text)
            if not digits:
                batch.count("no_digits", row=i)
            out.append(self.scale * digits / len(text) if text else 0.0)
        return out


class ContainsGold(Reward):
    """1.0 when the gold column's value appears in the completion."""

    __name__ = "contains_gold"

    def __init__(self, column: str = "solution") -> None:
        self.column = column
        self.required_columns = (column,)

    def score_one(self, text: str, row: dict[str, Any]) -> float | None:
        gold = row[self.column]
        return None if gold is None else float(str(gold) in text)


@verifiers_core.hookimpl
def register_rewards(register):
    register("vowels", VowelShare, description="share of vowels among letters (test reward)")
    register(
        "digits",
        DigitShare,
        description="share of digits (test reward)",
        params=[Param("scale", float, 1.0, "multiplier", min=0.0)],
    )
    register(
        "contains_gold",
        ContainsGold,
        description="gold appears in the completion (test reward)",
        params=[Param("column", str, "solution", "gold column")],
    )


def sum_rows(size: int = 8, seed: int = 0, split: str = "train") -> list[dict[str, Any]]:
    """``What is a + b?`` rows with a ``solution`` column; ``split`` shifts the operands."""
    shift = 0 if split == "train" else 1000
    return [
        {"prompt": f"What is {seed + i + shift} + 3?", "solution": str(seed + i + shift + 3)}
        for i in range(size)
    ]


@verifiers_core.hookimpl
def register_datasets(register):
    register(
        "trainer_sums",
        sum_rows,
        description="a + 3 (test dataset)",
        params=[
            Param("size", int, 8, "rows", min=1),
            Param("seed", int, 0, "first operand"),
            Param("split", str, "train", "train or test", choices=("train", "test")),
        ],
        rewards=["contains_gold"],
        gold_column="solution",
    )
