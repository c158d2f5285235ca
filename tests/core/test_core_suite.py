"""The one scoring path: a picklable suite built once per process, selection from options or env."""

from __future__ import annotations

import pickle

import pytest

from verifiers_core import RewardSelectionError
from verifiers_core.selection import build_choices
from verifiers_core.suite import SuiteSpec, clear_suites, get_suite
from verifiers_core.testing import isolated_registry
from verifiers_core.testing.examples import ExamplePlugin


@pytest.fixture
def examples():
    with isolated_registry() as registry:
        registry.register_plugin(ExamplePlugin(), name="examples")
        clear_suites()
        yield registry
        clear_suites()


def test_rows_get_totals_values_and_row_counts(examples):
    spec = SuiteSpec.from_options("exact_answer,exact_answer", "1,0.5")
    result = get_suite(spec).score_rows(
        [
            {"completion": "4", "solution": "4"},
            {"completion": "<think>cut", "solution": "4"},
            {"completion": "5", "solution": None},
        ]
    )
    assert [r.total for r in result.rows] == [1.5, 0.0, None]
    assert result.rows[0].rewards == {"exact_answer": 1.0, "exact_answer#2": 1.0}
    assert result.rows[1].counts == {"exact_answer/no_answer": 1.0, "exact_answer#2/no_answer": 1.0}
    assert result.outcomes[0].counts["no_answer"] == 1


def test_suite_pickles_as_its_spec_and_is_built_once(examples):
    spec = SuiteSpec.from_options("exact_answer")
    suite = get_suite(spec)
    assert pickle.loads(pickle.dumps(suite)) is suite  # same process: the cached one
    assert pickle.loads(pickle.dumps(spec)) == spec


def test_missing_column_raises_or_counts(examples):
    suite = get_suite(SuiteSpec.from_options("exact_answer"))
    with pytest.raises(Exception, match="solution"):
        suite.score_rows([{"completion": "4"}])
    result = suite.score_rows([{"completion": "4"}], errors="count")
    assert result.rows[0].rewards == {"exact_answer": 0.0}
    assert result.outcomes[0].counts["errors"] == 1 and "solution" in result.outcomes[0].failure


def test_environment_fills_what_options_leave_out(examples, tmp_path):
    env = {
        "VERIFIERS_CORE_REWARDS": "exact_answer",
        "VERIFIERS_CORE_REWARD_WEIGHTS": "3",
        "VERIFIERS_CORE_REWARD_ARGS": "exact_answer.column=gold",
    }
    spec = SuiteSpec.from_env(env)
    assert spec.weights == [3.0]
    assert spec.build().rewards[0].required_columns == ("gold",)
    assert SuiteSpec.from_env(env, reward_weights="0.5").weights == [0.5]  # the option wins
    config = tmp_path / "rewards.yaml"
    config.write_text("rewards: [{name: exact_answer, weight: 2}]\n")
    assert SuiteSpec.from_env({"VERIFIERS_CORE_CONFIG": str(config)}).weights == [2.0]


def test_one_rule_for_things_given_twice():
    assert [c.weight for c in build_choices("a,b", "1,2", config="rewards: [a, b]")] == [1.0, 2.0]
    with pytest.raises(RewardSelectionError, match="weights given twice"):
        build_choices(None, "1", config="rewards: [{name: a, weight: 2}]")
    assert build_choices(None, "2", config="rewards: [{name: a, weight: 2}]")[0].weight == 2.0
    with pytest.raises(RewardSelectionError, match="rewards given twice"):
        build_choices("b", config="rewards: [a]")
    with pytest.raises(RewardSelectionError, match="no reward selected"):
        build_choices(None)
    args = build_choices(None, None, ["a.k=1"], config="rewards: [{name: a, args: {k: 0, j: 2}}]")[0].args
    assert args == {"k": "1", "j": 2}
