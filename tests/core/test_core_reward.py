"""The Reward base class and the contract checker, including that the checker catches violations."""

from __future__ import annotations

import random

import pytest

from verifiers_core import MissingColumnError, Reward, RewardContractError
from verifiers_core.reward import check_values
from verifiers_core.testing import check_reward_contract
from verifiers_core.testing.examples import ExactAnswer

CASES = [
    {"completion": "<think>.</think> 4", "solution": "4", "expected": 1.0},
    {"completion": "<think>.</think> 5", "solution": "4", "expected": 0.0},
    {"completion": "<think>.</think> 4", "solution": None, "expected": None},
]


def test_missing_column_error_names_reward_column_and_present_columns():
    with pytest.raises(MissingColumnError) as info:
        ExactAnswer()(prompts=["p"], completions=["4"], answer=["4"], trainer_state=None)
    message = str(info.value)
    assert "'exact_answer'" in message and "'solution'" in message and "columns present: answer" in message


def test_contract_passes_for_a_good_reward():
    report = check_reward_contract(ExactAnswer(), CASES)
    assert report.case_values == [1.0, 0.0, None]
    assert "picklable" in report.checks and "missing column" in report.checks


class WrongLength(ExactAnswer):
    def score(self, batch):
        return [1.0]


class Raises(ExactAnswer):
    def score(self, batch):
        if any(not t for t in batch.texts):
            raise ValueError("empty completion")
        return super().score(batch)


class Random(ExactAnswer):
    def score_one(self, text, row):
        return random.random()


class Unpicklable(ExactAnswer):
    def __init__(self):
        super().__init__()
        self.fn = lambda x: x


class IgnoresColumns(Reward):
    __name__ = "ignores"
    required_columns = ("solution",)

    def __call__(self, prompts=None, completions=None, **kwargs):
        return [0.0] * len(completions)


@pytest.mark.parametrize(
    ("reward", "problem"),
    [
        (WrongLength(), "returned 1 values for 3 completions"),
        (Raises(), "raised ValueError: empty completion"),
        (Random(), "case 0"),
        (Unpicklable(), "not picklable"),
        (IgnoresColumns(), "was scored instead of an error"),
    ],
)
def test_contract_catches_violations(reward, problem):
    with pytest.raises(AssertionError, match="breaks the reward contract") as info:
        check_reward_contract(reward, CASES)
    assert problem in str(info.value)


def test_exception_in_score_one_is_low_score_and_counted():
    class Flaky(ExactAnswer):
        def score_one(self, text, row):
            if "boom" in text:
                raise RuntimeError("bug")
            return super().score_one(text, row)

    metrics = []
    values = Flaky()(
        prompts=["p", "p"],
        completions=["boom", "<think>.</think> 4"],
        solution=["4", "4"],
        log_metric=lambda name, value: metrics.append((name, value)),
    )
    assert values == [0.0, 1.0]
    assert ("exact_answer/errors", 1.0) in metrics


def test_zero_counts_are_reported_too():
    metrics = []
    ExactAnswer()(
        prompts=["p"], completions=["4"], solution=["4"], log_metric=lambda n, v: metrics.append((n, v))
    )
    assert metrics == [
        ("exact_answer/errors", 0.0),
        ("exact_answer/no_answer", 0.0),
        ("exact_answer/oversized", 0.0),
    ]


def test_check_values_rejects_bad_output():
    assert check_values("r", [1, True, float("nan")], 3) == [1.0, 1.0, None]
    with pytest.raises(RewardContractError, match="returned str 'x' for completion 0"):
        check_values("r", ["x"], 1)
    with pytest.raises(RewardContractError, match="inf"):
        check_values("r", [float("inf")], 1)
