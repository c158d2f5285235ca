"""The plugin as installed: entry point, registry names, parameters, light import, doctests."""

from __future__ import annotations

import doctest
import importlib
import json
import subprocess
import sys
from importlib import metadata

import pytest
from verifiers_format import plugin

import verifiers_core
from verifiers_core import Registry, RewardParamError
from verifiers_core.testing import check_reward_contract

REWARDS = ("format", "tag_count", "repetition", "overlong", "language_consistency")
MODULES = ("", ".think", ".format_reward", ".tag_count", ".repetition", ".overlong", ".language", ".plugin")


def test_entry_point_is_installed():
    eps = {ep.name: ep for ep in metadata.entry_points(group="verifiers_core")}
    assert eps["format"].value == "verifiers_format.plugin"
    assert eps["format"].dist.name == "verifiers-format"
    requires = metadata.requires("verifiers-format") or []
    runtime = [r for r in requires if "extra ==" not in r]
    assert [r.split(">")[0].split("=")[0].strip() for r in runtime] == ["verifiers-core"]


def test_installed_registry_finds_every_reward_by_both_names():
    registry = Registry(only=["format"])
    infos = {row.name: row for row in registry.describe()}
    assert set(REWARDS) <= set(infos)
    for name in REWARDS:
        assert infos[name].status == "ok" and infos[name].distribution == "verifiers-format"
        assert infos[name].description
        for key in (name, f"format/{name}"):
            reward = registry.create(key)
            assert reward.__name__ == name
            assert reward.spec.qualified_name == f"format/{name}"


@pytest.mark.parametrize(
    "name, params, match",
    [
        ("format", {"mode": "loose"}, r"'format', parameter 'mode'.*'r1', 'strict'"),
        ("format", {"think_opened": "maybe"}, r"'format', parameter 'think_opened'"),
        ("format", {"allow_empty_think": "perhaps"}, r"parameter 'allow_empty_think'"),
        ("tag_count", {"tags": "xml"}, r"'tag_count', parameter 'tags'"),
        ("repetition", {"n": 0}, r"'repetition', parameter 'n'.*at least 1"),
        ("repetition", {"max_penalty": 0.5}, r"'repetition', parameter 'max_penalty'.*at most 0"),
        ("repetition", {"ngram": 2}, r"no parameter 'ngram'"),
        ("overlong", {"max_length": 0}, r"'overlong', parameter 'max_length'"),
        ("overlong", {"max_length": 100, "buffer": 100}, r"'overlong', parameter 'buffer'.*smaller"),
        ("overlong", {"chars_per_token": 0}, r"'overlong', parameter 'chars_per_token'"),
    ],
)
def test_bad_parameters_name_reward_and_parameter(name, params, match):
    with pytest.raises(RewardParamError, match=match):
        Registry(only=["format"]).create(name, **params)


def test_parameters_from_the_command_line_form():
    # Values arrive as YAML scalars from `NAME.KEY=VALUE`.
    reward = Registry(only=["format"]).create("overlong", max_length="100", buffer="20")
    assert reward(completions=["x"], completion_ids=[[0] * 90]) == [-0.5]
    reward = Registry(only=["format"]).create("format", think_opened="prompt", allow_empty_think="true")
    assert reward(completions=["</think> 64"]) == [1.0]


def test_rewards_built_by_name_keep_the_contract(register_plugin):
    register_plugin(plugin, name="format")
    check_reward_contract("format", [{"completion": "<think>8+6=14</think> 64", "expected": 1.0}])
    check_reward_contract(
        "tag_count", [{"completion": "<think>\nx\n</think>\n<answer>\n64\n</answer>", "expected": 1.0}]
    )
    check_reward_contract("repetition", [{"completion": "x", "completion_ids": [3] * 10, "expected": -0.875}])
    check_reward_contract("overlong", [{"completion": "x", "completion_ids": [3] * 600, "expected": -1.0}])


def test_listing_imports_nothing_heavy():
    code = (
        "import json, sys, verifiers_core\n"
        "rows = [r.name for r in verifiers_core.list_rewards() if r.plugin == 'format']\n"
        "heavy = sorted(m for m in ('torch', 'sympy', 'transformers', 'trl', 'tokenizers', 'numpy')"
        " if m in sys.modules)\n"
        "print(json.dumps({'rows': rows, 'heavy': heavy}))\n"
    )
    env = {"VERIFIERS_CORE_LOAD_PLUGINS": "format", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    result = json.loads(out.stdout)
    assert sorted(result["rows"]) == sorted(REWARDS)
    assert result["heavy"] == []


@pytest.mark.parametrize("suffix", MODULES)
def test_docstring_examples_run(suffix):
    module = importlib.import_module("verifiers_format" + suffix)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{module.__name__} has no runnable example"
    assert result.failed == 0


def test_every_public_reward_class_has_an_example():
    import verifiers_format

    for name in verifiers_format.__all__:
        cls = getattr(verifiers_format, name)
        assert ">>>" in (cls.__doc__ or ""), name
        assert issubclass(cls, verifiers_core.Reward)
