"""The scoring path's guarantees for callers that must never stop: malformed rows, a failing row,
a deadline, fork, and per-sample coroutines batched together."""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import pytest

import verifiers_core.suite as suite_module
from verifiers_core import Reward, VerifiersCoreError, hookimpl
from verifiers_core.suite import SuiteSpec, ascore_row, clear_suites, get_suite
from verifiers_core.testing import isolated_registry

CALLS: list[int] = []


class Flaky(Reward):
    """Raises on the whole batch when a completion is ``boom`` (as a buggy grader would)."""

    __name__ = "flaky"
    grades_answer = False

    def score(self, batch):
        if "boom" in batch.texts:
            raise RuntimeError("grader crashed")
        CALLS.append(len(batch))
        return [float(len(t)) for t in batch.texts]


class Slow(Reward):
    __name__ = "slow"
    grades_answer = False
    low = -1.0
    timeout_value = -0.5

    def score(self, batch):
        time.sleep(1.0)
        return [1.0] * len(batch)


class Plugin:
    @hookimpl
    def register_rewards(self, register: Any) -> None:
        register("flaky", Flaky)
        register("slow", Slow)


@pytest.fixture
def registry():
    with isolated_registry() as reg:
        reg.register_plugin(Plugin(), name="paths")
        clear_suites()
        CALLS.clear()
        yield reg
        clear_suites()


def test_malformed_rows_score_low_and_are_counted(registry):
    suite = get_suite(SuiteSpec.from_options("flaky"))
    rows = [
        {"completion": "ab"},
        {"completion": None},
        "not a row",
        {"completion": [{"role": "x", "content": 3}]},
    ]
    result = suite.score_rows(rows, errors="count")
    assert [r.rewards["flaky"] for r in result.rows] == [2.0, 0.0, 0.0, 0.0]
    assert [r.counts for r in result.rows] == [
        {},
        {"flaky/errors": 1.0},
        {"flaky/errors": 1.0},
        {"flaky/errors": 1.0},
    ]
    assert result.outcomes[0].counts["errors"] == 3
    with pytest.raises(VerifiersCoreError, match="row 1: 'completion' must be"):
        suite.score_rows(rows)


def test_one_failing_row_costs_only_itself(registry):
    suite = get_suite(SuiteSpec.from_options("flaky"))
    result = suite.score_rows(
        [{"completion": "a"}, {"completion": "boom"}, {"completion": "abc"}], errors="count"
    )
    assert [r.rewards["flaky"] for r in result.rows] == [1.0, 0.0, 3.0]
    assert result.rows[1].counts == {"flaky/errors": 1.0} and result.rows[0].counts == {}
    assert "grader crashed" in result.outcomes[0].failure


def test_deadline_gives_the_timeout_value_and_counts(registry):
    suite = get_suite(SuiteSpec.from_options("slow,flaky"))
    start = time.perf_counter()
    result = suite.score_rows([{"completion": "ab"}, {"completion": "c"}], errors="count", deadline=0.2)
    assert time.perf_counter() - start < 0.9  # the slow reward was not waited for
    assert [r.rewards for r in result.rows] == [{"slow": -0.5, "flaky": 2.0}, {"slow": -0.5, "flaky": 1.0}]
    assert result.rows[0].counts == {"slow/timeouts": 1.0}
    assert result.outcomes[0].counts["timeouts"] == 2
    assert "slow/timeouts" in suite.counter_keys()


def test_a_forked_child_builds_its_own_suite(registry):
    spec = SuiteSpec.from_options("flaky")
    parent = get_suite(spec)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's suites (and their pools) are forgotten
        ok = not suite_module._CACHE and get_suite(spec) is not parent and get_suite(spec) is get_suite(spec)
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert get_suite(spec) is parent


def test_rows_from_concurrent_coroutines_are_scored_together(registry):
    suite = get_suite(SuiteSpec.from_options("flaky"))

    async def main():
        return await asyncio.gather(*(ascore_row(suite, {"completion": "x" * i}) for i in range(1, 6)))

    scores = asyncio.run(main())
    assert [s.total for s in scores] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert CALLS == [5]
