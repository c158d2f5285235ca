"""The arithmetic task: traces, answers, splits and answer extraction."""

from __future__ import annotations

import random

import pytest

from trainer.builtin.data import make_splits
from trainer.builtin.task import (
    Problem,
    ProblemSampler,
    all_problems,
    boxed_answer,
    completion,
    is_correct,
    split_problems,
    trace,
)


def test_builtin_correct_traces_reach_the_true_answer_for_every_problem():
    problems = all_problems()
    assert len(problems) == 90 * 90 + sum(range(1, 91))
    for p in problems:
        steps, result = trace(p)
        assert result == p.answer, (p, steps)
        assert is_correct(completion(p), str(p.answer)), p


def test_builtin_dropped_carry_is_wrong_exactly_when_the_problem_regroups():
    for p in all_problems():
        _, result = trace(p, drop_regroup=True)
        assert (result != p.answer) == p.regroups, p


def test_builtin_trace_examples():
    assert completion(Problem(28, "+", 36)) == "<think>8+6=14, 2+3+1=6</think> \\boxed{64}"
    assert completion(Problem(99, "+", 99)) == "<think>9+9=18, 9+9+1=19</think> \\boxed{198}"
    assert completion(Problem(63, "-", 58)) == "<think>13-8=5, 6-1-5=0</think> \\boxed{5}"
    assert completion(Problem(63, "-", 58), drop_regroup=True) == "<think>13-8=5, 6-5=1</think> \\boxed{15}"


def test_builtin_malformed_completions_are_never_correct_format():
    p = Problem(28, "+", 36)
    no_close = completion(p, malformed=1)
    no_open = completion(p, malformed=2)
    assert "</think>" not in no_close and not is_correct(no_close, "64")
    assert not no_open.startswith("<think>") and "</think>" in no_open
    with pytest.raises(ValueError, match="malformed"):
        completion(p, malformed=3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>x</think> \\boxed{64}", "64"),
        ("<think>x</think> \\boxed{6} then \\boxed{64}", "64"),
        ("<think>\\boxed{1}</think> \\boxed{ 64 }", "64"),
        ("<think>\\boxed{64}</think> 64", None),  # a box inside the reasoning does not count
        ("<think>x \\boxed{64}", None),  # never closed
        ("\\boxed{64}", None),  # no reasoning at all
        ("<think>x</think>", None),
        ("", None),
    ],
)
def test_builtin_boxed_answer(text, expected):
    assert boxed_answer(text) == expected


def test_builtin_problem_validation():
    with pytest.raises(ValueError, match="two digits"):
        Problem(5, "+", 10)
    with pytest.raises(ValueError, match="a >= b"):
        Problem(10, "-", 11)
    with pytest.raises(ValueError, match="op"):
        Problem(10, "*", 11)


def test_builtin_splits_are_disjoint_deterministic_and_balanced():
    train_pool, heldout_pool = split_problems(3, 1000)
    assert set(train_pool).isdisjoint(heldout_pool)
    assert len(train_pool) + len(heldout_pool) == len(all_problems())
    assert split_problems(3, 1000) == (train_pool, heldout_pool)
    assert split_problems(4, 1000)[1] != heldout_pool

    pool, train, heldout = make_splits(3, train_size=50, heldout_size=100, regroup_share=0.6)
    assert train.column_names == ["prompt", "solution"] == heldout.column_names
    assert all(len(p) == 1 and p[0]["role"] == "user" for p in heldout["prompt"])
    heldout_texts = {p[0]["content"] for p in heldout["prompt"]}
    assert heldout_texts.isdisjoint({p.prompt_text for p in pool})
    assert heldout_texts.isdisjoint({p[0]["content"] for p in train["prompt"]})
    # Exactly the requested share of held-out problems regroups.
    regrouping = {p.prompt_text for p in heldout_pool if p.regroups}
    assert sum(t in regrouping for t in heldout_texts) == 60
    again = make_splits(3, train_size=50, heldout_size=100, regroup_share=0.6)
    assert again[1]["prompt"] == train["prompt"] and again[2]["solution"] == heldout["solution"]


def test_builtin_sampler_balances_operations_and_regrouping():
    sampler = ProblemSampler(all_problems(), regroup_share=0.8)
    drawn = sampler.draw(4000, random.Random(0))
    assert 0.77 < sum(p.regroups for p in drawn) / len(drawn) < 0.83
    # The pool has twice as many additions; the sampler still draws both operations equally often.
    assert 0.47 < sum(p.op == "-" for p in drawn) / len(drawn) < 0.53
    assert sampler.draw(50, random.Random(1)) == sampler.draw(50, random.Random(1))
    with pytest.raises(ValueError, match="regroup_share"):
        ProblemSampler(all_problems(), regroup_share=1.5)
    with pytest.raises(ValueError, match="regroups=True"):
        ProblemSampler([p for p in all_problems() if not p.regroups], regroup_share=0.5)
