"""Selecting rewards: names, weights and NAME.KEY=VALUE pairs, or YAML."""

from __future__ import annotations

import pytest

from verifiers_core import RewardParamError, RewardSelectionError
from verifiers_core.selection import choices_from_config, make_choices, parse_reward_args, resolve

from .test_core_registry import LengthPlugin


def test_command_line_selection_resolves_with_weights_and_typed_args(register_plugin):
    register_plugin(LengthPlugin(), name="lengths")
    resolved = resolve(
        make_choices("length,exact", "2,0.5", ["length.scale=0.5", "lengths/exact.column=gold"])
    )
    assert resolved.names == ["length", "exact"]
    assert resolved.weights == [2.0, 0.5]
    assert resolved.rewards[0].spec.params == {"scale": 0.5}
    assert resolved.rewards[1].required_columns == ("gold",)
    described = resolved.describe()
    assert described[0]["plugin"] == "lengths" and described[0]["weight"] == 2.0


def test_yaml_selection_is_equivalent(register_plugin):
    register_plugin(LengthPlugin(), name="lengths")
    choices = choices_from_config(
        "rewards:\n  - {name: length, weight: 2.0, args: {scale: 0.5}}\n  - exact\n"
    )
    resolved = resolve(choices)
    assert resolved.weights == [2.0, 1.0]
    assert resolved.rewards[0].spec.params == {"scale": 0.5}


def test_values_are_yaml_scalars_read_with_the_parameter_type(register_plugin):
    register_plugin(LengthPlugin(), name="lengths")
    with pytest.raises(RewardParamError, match="'length', parameter 'scale'"):
        resolve(make_choices("length", None, ["length.scale=true"]))


@pytest.mark.parametrize(
    ("names", "weights", "args", "message"),
    [
        ("length,exact", "1", [], "1 reward weights given for 2 rewards"),
        ("length", "x", [], "reward weight 1 is 'x', not a number"),
        ("length", None, ["scale=2"], "must look like NAME.KEY=VALUE"),
        ("length", None, ["exact.column=x"], "names a reward that is not selected"),
        ("length,,exact", None, [], "empty reward name"),
    ],
)
def test_malformed_selection(names, weights, args, message):
    with pytest.raises(RewardSelectionError, match=message):
        make_choices(names, weights, args)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("rewards: []", "non-empty list"),
        ("rewards: [{weight: 1}]", r"rewards\[0\] must be a name or a mapping with 'name'"),
        ("rewards: [{name: a, wieght: 1}]", "unknown keys"),
        ("rewards: [{name: a, weight: heavy}]", "weight must be a number"),
        ("rewards: [", "not valid YAML"),
    ],
)
def test_malformed_yaml(config, message):
    with pytest.raises(RewardSelectionError, match=message):
        choices_from_config(config)


def test_parse_reward_args_keeps_qualified_names():
    assert parse_reward_args(["math/accuracy.timeout=2"]) == {"math/accuracy": {"timeout": "2"}}
