"""`max_completion_chars`: one parameter of every reward, declared in the core, applied by the registry,
and checked before anything proportional to a completion's size happens."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys

import pytest

import verifiers_core
from verifiers_core import Param, RewardParamError, hookimpl
from verifiers_core import reward as reward_module
from verifiers_core.reward import MAX_COMPLETION_CHARS, Reward
from verifiers_core.suite import SuiteSpec
from verifiers_core.testing.examples import ExamplePlugin


class Spy(Reward):
    """Records the length of every text its ``score`` sees."""

    __name__ = "spy"
    seen: list[int] = []

    def score(self, batch):
        Spy.seen += [len(t) for t in batch.texts]
        return [1.0] * len(batch)


class OwnBound(Reward):
    """Declares ``max_completion_chars`` itself: it receives the value in its factory."""

    __name__ = "own"

    def __init__(self, max_completion_chars: int = 7) -> None:
        self.received = max_completion_chars
        self.max_completion_chars = max_completion_chars * 2

    def score(self, batch):
        return [1.0] * len(batch)


def length(completions, **kwargs):
    return [float(len(c)) for c in completions]


class Plugin:
    @hookimpl
    def register_rewards(self, register):
        register("spy", Spy)
        register("own", OwnBound, params=[Param("max_completion_chars", int, 7, "its own")])
        register("length", lambda: length)


@pytest.fixture
def rewards(register_plugin):
    register_plugin(ExamplePlugin(), name="examples")
    register_plugin(Plugin(), name="sized")
    Spy.seen = []


def test_every_reward_accepts_it_and_lists_it(rewards):
    for row in verifiers_core.list_rewards():
        names = [p.name for p in row.params]
        assert names.count("max_completion_chars") == 1, (row.name, names)
    default = verifiers_core.get_reward("exact_answer")
    assert default.max_completion_chars == MAX_COMPLETION_CHARS == 1_000_000
    assert "max_completion_chars" not in default.spec.params  # not given: the reward's own bound
    bounded = verifiers_core.get_reward("exact_answer", max_completion_chars="10")
    assert bounded.max_completion_chars == 10 and bounded.spec.params["max_completion_chars"] == 10
    assert pickle.loads(pickle.dumps(bounded)).max_completion_chars == 10


def test_a_reward_that_declares_it_receives_it(rewards):
    own = verifiers_core.get_reward("own", max_completion_chars=5)
    assert own.received == 5 and own.max_completion_chars == 10


@pytest.mark.parametrize("value", ["0", "-3", "many", "1.5"])
def test_bad_values_name_the_reward_and_parameter(rewards, value):
    with pytest.raises(RewardParamError, match=r"reward 'exact_answer', parameter 'max_completion_chars'"):
        verifiers_core.get_reward("exact_answer", max_completion_chars=value)


def test_oversized_rows_never_reach_score_nor_the_answer_search(rewards, monkeypatch):
    calls: list[int] = []
    real = reward_module.final_answer
    monkeypatch.setattr(reward_module, "final_answer", lambda t, **kw: calls.append(len(t)) or real(t, **kw))
    spy = verifiers_core.get_reward("spy", max_completion_chars=100)
    big = "<think>r</think>" + "x" * 5000
    metrics: dict[str, float] = {}
    values = spy(
        prompts=["p"] * 3,
        completions=["<think>r</think> 4", big, [{"role": "assistant", "content": big}]],
        log_metric=metrics.__setitem__,
    )
    assert values == [1.0, 0.0, 0.0]
    assert Spy.seen == [18] and calls == [18]
    assert metrics["spy/oversized"] == 2.0


def test_plain_function_rewards_get_the_bound_too(rewards):
    fn = verifiers_core.get_reward("length", max_completion_chars=5)
    metrics: dict[str, float] = {}
    assert fn(prompts=["p", "p"], completions=["abc", "abcdefgh"], log_metric=metrics.__setitem__) == [
        3.0,
        0.0,
    ]
    assert metrics["length/oversized"] == 1.0
    # and through the one scoring path (score, integrations, server)
    suite = SuiteSpec.from_options("length", reward_args=["length.max_completion_chars=5"]).build()
    result = suite.score_rows([{"completion": "abc"}, {"completion": "abcdefgh"}])
    assert [r.rewards["length"] for r in result.rows] == [3.0, 0.0]
    assert result.outcomes[0].counts["oversized"] == 1 and result.rows[1].counts == {"length/oversized": 1.0}


def test_list_shows_it_for_every_installed_reward():
    proc = subprocess.run(
        [sys.executable, "-m", "verifiers_core", "list", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    rows = [r for r in json.loads(proc.stdout) if r["status"] == "ok" and r.get("kind") == "reward"]
    assert {"accuracy", "format", "code"} <= {r["name"] for r in rows}
    for row in rows:
        (param,) = [p for p in row["params"] if p["name"] == "max_completion_chars"]
        assert param["type"] == "int" and param["default"] is None and "oversized" in param["help"]
    table = subprocess.run(
        [sys.executable, "-m", "verifiers_core", "list"], capture_output=True, text=True, timeout=120
    ).stdout
    assert "--reward-arg accuracy.max_completion_chars=..." in table


def test_a_50_mb_completion_is_refused_by_every_built_in_reward():
    """Values only (the time it takes is measured by benchmarks/bench_oversized.py)."""
    big = "<think>r</think> " + "The sum is 4. " * 3_600_000
    tests = json.dumps(
        {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "", "output": "4"}]}
    )
    columns = {"solution": ["4"], "verification_info": [tests]}
    for name in (
        "accuracy",
        "cosine",
        "format",
        "tag_count",
        "repetition",
        "code",
        "code_binary",
        "code_format",
    ):
        reward = verifiers_core.get_reward(name)
        metrics: dict[str, float] = {}
        values = reward(prompts=["p"], completions=[big], log_metric=metrics.__setitem__, **columns)
        assert metrics[f"{name}/oversized"] == 1.0, name
        assert values[0] is not None and values[0] <= 0.0, (name, values)
