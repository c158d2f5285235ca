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


class ExamplePlugin:
    """A plugin object registering :class:`ExactAnswer`, for documentation and tests.

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
