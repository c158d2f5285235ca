"""Benchmark agreement (issue 11): on HumanEval (all 164 problems), a sample of sanitized MBPP and
a sample of call-based APPS/TACO, the reference solutions score 1.0, mutated versions that plain
Python fails score below 1.0 (and the others 1.0), and cheats score 0. See agreement/README.md."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import verifiers_core

sys.path.insert(0, str(Path(__file__).parent / "agreement"))
import agreement  # noqa: E402


@pytest.fixture(scope="module")
def figures():
    return agreement.evaluate(lambda params: verifiers_core.get_reward("code", **params))


def test_every_benchmark_is_in_the_sample(figures):
    assert {name: f.problems for name, f in figures.items()} == {
        "HumanEval": 164,
        "MBPP": 50,
        "APPS/TACO call-based": 23,
    }
    for f in figures.values():
        assert f.wrong >= f.problems  # at least one wrong version per problem on average
        assert f.cheats == 6 * f.problems
        assert f.unscored == 0  # no parameter was needed to find the tests


def test_references_score_1_and_wrong_versions_below_1(figures):
    for name, f in figures.items():
        assert f.references_at_1 == f.references, (name, [x for x in f.failures if x[1] == "reference"])
        assert f.wrong_below_1 == f.wrong, (name, [x for x in f.failures if x[1] == "wrong"])
        assert f.equivalent_at_1 == f.equivalent, (name, [x for x in f.failures if x[1] == "equivalent"])


def test_cheats_score_0(figures):
    for name, f in figures.items():
        assert f.cheats_at_0 == f.cheats, (name, [x for x in f.failures if x[1] == "cheat"])


def test_weak_guarantee_is_rare(figures):
    assert figures["HumanEval"].weak_share < 0.01
    assert figures["MBPP"].weak_tests == 0
    assert figures["APPS/TACO call-based"].weak_tests == 0
