"""accuracy and cosine through the registry: contract, parameters, counts, threads, pickling."""

from __future__ import annotations

import asyncio
import math
import pickle
import threading

import pytest

import verifiers_core
from verifiers_core.testing import check_reward_contract

CASES = [
    {
        "completion": "<think>48+24</think> So \\boxed{72}.",
        "solution": "... clips.\n#### 72",
        "expected": 1.0,
    },
    {
        "completion": "<think>48+24</think> So \\boxed{70}.",
        "solution": "... clips.\n#### 72",
        "expected": 0.0,
    },
    {"completion": "The answer is $\\frac{1}{2}$.", "solution": "Thus $\\boxed{0.5}$.", "expected": 1.0},
    {"completion": "\\boxed{[0,1]}", "solution": "[0,1)", "expected": 0.0},
    {"completion": "<think>\\boxed{3}</think> \\boxed{4}", "solution": "4", "expected": 1.0},
    {"completion": "<think>never closed \\boxed{4}", "solution": "4", "expected": 0.0},
    {"completion": "\\boxed{4}", "solution": None, "expected": None},
    {"completion": "\\boxed{4}", "solution": "I have no idea what this is.", "expected": None},
]


def _call(reward, completions, solutions, **kw):
    return reward(prompts=["p"] * len(completions), completions=completions, solution=solutions, **kw)


def test_registered_under_bare_and_qualified_names(pool_settings):
    names = {(r.name, r.plugin, r.status) for r in verifiers_core.list_rewards()}
    assert ("accuracy", "math", "ok") in names and ("cosine", "math", "ok") in names
    reward = verifiers_core.get_reward("math/accuracy", **pool_settings)
    assert reward.__name__ == "accuracy" and reward.spec.qualified_name == "math/accuracy"


def test_accuracy_keeps_the_reward_contract(accuracy):
    report = check_reward_contract(accuracy, CASES)
    assert report.case_values == [c["expected"] for c in CASES]
    names = {name for name, _ in report.metrics}
    assert {"accuracy/timeouts", "accuracy/unusable_golds", "accuracy/unparsed", "accuracy/errors"} <= names


def test_cosine_keeps_the_reward_contract(pool_settings):
    cosine = verifiers_core.get_reward("cosine", max_len=100, **pool_settings)
    cases = [dict(c, completion_ids=[0] * 50) for c in CASES]
    for case in cases:
        if case["expected"] is not None:
            case["expected"] = 0.75 if case["expected"] == 1.0 else -0.75
    check_reward_contract(cosine, cases)


def test_bad_parameters_name_the_reward_and_parameter():
    with pytest.raises(verifiers_core.RewardParamError, match="accuracy.*answer_format"):
        verifiers_core.get_reward("accuracy", answer_format="loose")
    with pytest.raises(verifiers_core.RewardParamError, match="timeout"):
        verifiers_core.get_reward("accuracy", timeout=0)
    # a check between parameters is a parameter error too (it was a build failure before configs)
    with pytest.raises(verifiers_core.RewardParamError, match="'cosine'.*min_value_correct"):
        verifiers_core.get_reward("cosine", min_value_correct=2.0)


def test_missing_column_is_a_clear_error(accuracy):
    with pytest.raises(verifiers_core.MissingColumnError, match="accuracy.*'solution'.*answer"):
        accuracy(prompts=["p"], completions=["4"], answer=["4"])


def test_gold_column_is_a_parameter(pool_settings):
    reward = verifiers_core.get_reward("accuracy", column="answer", **pool_settings)
    assert reward(prompts=["p"], completions=["\\boxed{4}"], answer=["#### 4"]) == [1.0]


def test_answer_format_tightens_the_policy(pool_settings):
    completions = ["\\boxed{7}", "#### 7", "The answer is 7.", "It is 7"]
    expected = {"any": [1.0, 1.0, 1.0, 1.0], "marked": [1.0, 1.0, 1.0, 0.0], "boxed": [1.0, 0.0, 0.0, 0.0]}
    for answer_format, values in expected.items():
        reward = verifiers_core.get_reward("accuracy", answer_format=answer_format, **pool_settings)
        assert _call(reward, completions, ["7"] * 4) == values, answer_format


def test_think_opened_by_the_prompt_needs_a_closed_reasoning(pool_settings):
    reward = verifiers_core.get_reward("accuracy", think_opened="prompt", **pool_settings)
    assert _call(reward, ["\\boxed{7}", "3+4</think>\\boxed{7}"], ["7", "7"]) == [0.0, 1.0]
    with pytest.raises(verifiers_core.RewardParamError, match="require_think"):
        verifiers_core.get_reward("accuracy", require_think=True)


def test_counts_and_extracted_answers_reach_the_trainer(accuracy):
    metrics: dict[str, float] = {}
    extra: dict[str, list] = {}
    completions = [
        "\\boxed{\\frac12}",
        "no answer here",
        "\\boxed{\\sin(x)^{2000}+\\cos(x)^{2000}}",  # expanding it against a number takes seconds
        "\\boxed{1}",
    ]
    values = _call(
        accuracy,
        completions,
        ["0.5", "0.5", "3", ""],
        log_metric=lambda name, value: metrics.__setitem__(name, value),
        log_extra=lambda column, vals: extra.__setitem__(column, vals),
    )
    assert values == [1.0, 0.0, 0.0, None]
    assert metrics["accuracy/timeouts"] == 1.0, sorted((k, v) for k, v in metrics.items() if v)
    assert metrics["accuracy/unusable_golds"] == 1.0
    assert metrics["accuracy/unparsed"] == 1.0
    assert metrics["accuracy/errors"] == 0.0
    assert extra["accuracy_answer"][0] == "\\frac12" and extra["accuracy_answer"][1] == ""


def test_same_verdicts_from_main_thread_other_thread_and_async(accuracy):
    completions = [c["completion"] for c in CASES]
    solutions = [c["solution"] for c in CASES]
    expected = [c["expected"] for c in CASES]
    assert _call(accuracy, completions, solutions) == expected
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("v", _call(accuracy, completions, solutions)))
    thread.start()
    thread.join(60)
    assert out["v"] == expected
    async_reward = verifiers_core.AsyncReward(accuracy)
    assert (
        asyncio.run(async_reward(prompts=["p"] * len(CASES), completions=completions, solution=solutions))
        == expected
    )


def test_pickles_small_and_without_its_pool(accuracy, pool_settings):
    from verifiers_math.pool import get_pool

    accuracy.warm()  # the pool exists now
    assert get_pool(pool_settings["workers"], pool_settings["memory_mb"]).worker_pids()
    data = pickle.dumps(accuracy)
    assert len(data) < 2000 and b"socket" not in data
    clone = pickle.loads(data)
    assert clone.__name__ == "accuracy"
    assert _call(clone, ["\\boxed{2}", "\\boxed{3}"], ["2", "2"]) == [1.0, 0.0]


def test_cosine_scales_by_tokens_and_clamps(pool_settings):
    cosine = verifiers_core.get_reward("cosine", max_len=100, **pool_settings)
    completions = ["\\boxed{1}"] * 4 + ["\\boxed{2}"] * 3 + ["\\boxed{1}"]
    ids = [[0] * n for n in (0, 50, 100, 500, 0, 50, 500, 10)]
    values = cosine(
        prompts=["p"] * 8, completions=completions, completion_ids=ids, solution=["1"] * 7 + [None]
    )
    assert values[:7] == pytest.approx([1.0, 0.75, 0.5, 0.5, -1.0, -0.75, -0.5])
    assert values[7] is None
    # a correct answer always beats a wrong one of any length
    assert min(values[:4]) > max(values[4:7])


def test_cosine_without_token_ids_estimates_from_characters(pool_settings):
    cosine = verifiers_core.get_reward("cosine", max_len=10, chars_per_token=4.0, **pool_settings)
    text = "\\boxed{1}" + " " * 11  # 20 characters: 5 tokens, half of max_len
    (value,) = cosine(prompts=["p"], completions=[text], solution=["1"])
    assert value == pytest.approx(0.75)
    assert math.isclose(cosine.length(text, None), 5)
