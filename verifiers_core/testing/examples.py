"""Small, picklable example rewards for documentation and the core's own tests."""

from __future__ import annotations

from typing import Any

from ..hookspecs import hookimpl
from ..params import Param
from ..reward import Reward
from ..text import final_answer


class ExactAnswer(Reward):
    """1.0 when the final answer (after ``</think>``) equals the gold column, stripped.

    >>> ExactAnswer()(prompts=["p"], completions=["<think>..</think> 4"], solution=["4"])
    [1.0]
    """

    __name__ = "exact_answer"

    def __init__(self, column: str = "solution") -> None:
        self.column = column
        self.required_columns = (column,)

    def score_one(self, text: str, row: dict[str, Any]) -> float | None:
        gold = row[self.column]
        if gold is None:
            return None  # an unusable gold is not the completion's fault
        answer = final_answer(text)
        return 1.0 if answer is not None and answer.strip() == str(gold).strip() else 0.0


def sum_rows(size: int = 4, seed: int = 0) -> list[dict[str, Any]]:
    """Rows of a tiny example dataset: ``What is a + b?`` with the sum in ``solution``.

    >>> sum_rows(size=2, seed=0)
    [{'prompt': 'What is 0 + 2?', 'solution': '2'}, {'prompt': 'What is 1 + 4?', 'solution': '5'}]
    """
    rows = []
    for i in range(size):
        a, b = seed + i, 2 * i + 2
        rows.append({"prompt": f"What is {a} + {b}?", "solution": str(a + b)})
    return rows


class ExamplePlugin:
    """A plugin object registering :class:`ExactAnswer` and the ``sums`` dataset, for documentation
    and tests.

    >>> from verifiers_core import Registry
    >>> reg = Registry(load_entry_points=False)
    >>> reg.register_plugin(ExamplePlugin(), name="examples").status
    'ok'
    """

    @hookimpl
    def register_rewards(self, register: Any) -> None:
        register(
            "exact_answer",
            ExactAnswer,
            description="1.0 when the final answer equals the gold column",
            params=[Param("column", str, "solution", "dataset column holding the gold answer")],
        )

    @hookimpl
    def register_datasets(self, register: Any) -> None:
        register(
            "sums",
            sum_rows,
            description="What is a + b? (example dataset)",
            params=[Param("size", int, 4, "rows", min=1), Param("seed", int, 0, "first operand")],
            rewards=["exact_answer"],
            gold_column="solution",
        )
