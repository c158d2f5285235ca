"""Registry behaviour: names, conflicts, parameters, failure isolation."""

from __future__ import annotations

import pickle
import warnings

import pytest

import verifiers_core
from verifiers_core import (
    AmbiguousRewardError,
    DuplicateRewardError,
    Param,
    PluginError,
    Registry,
    RewardParamError,
    UnknownRewardError,
)
from verifiers_core.testing import isolated_registry


def _length_factory(scale: float = 1.0):
    return _Length(scale)


class _Length:
    """A plain callable reward (not a Reward subclass): the registry must wrap it."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def __call__(self, completions, **kwargs):
        return [self.scale * len(verifiers_core.completion_text(c)) for c in completions]


class LengthPlugin:
    @verifiers_core.hookimpl
    def register_rewards(self, register):
        register(
            "length",
            _length_factory,
            description="characters in the completion",
            params=[Param("scale", float, 1.0, "multiplier", min=0.0)],
        )
        register(
            "exact",
            "verifiers_core.testing.examples:ExactAnswer",
            description="exact match",
            params=[Param("column", str, "solution", "gold column")],
        )


class OtherLengthPlugin:
    @verifiers_core.hookimpl
    def register_rewards(self, register):
        register("length", _length_factory, description="another length")


class BrokenPlugin:
    @verifiers_core.hookimpl
    def register_rewards(self, register):
        register("half_registered", _length_factory)
        raise RuntimeError("boom while registering")


def test_bare_and_qualified_names_resolve(reward_registry, register_plugin):
    register_plugin(LengthPlugin(), name="lengths")
    assert reward_registry.resolve("length").qualified_name == "lengths/length"
    assert reward_registry.resolve("lengths/length").name == "length"
    reward = verifiers_core.get_reward("lengths/length", scale=2)
    assert reward.__name__ == "length"  # TRL logs rewards/length/mean
    assert reward(prompts=["p", "p"], completions=["ab", [{"role": "assistant", "content": "abc"}]]) == [
        4.0,
        6.0,
    ]
    assert reward.spec.params == {"scale": 2.0}
    assert reward.spec.qualified_name == "lengths/length"


def test_string_factory_and_pickling(register_plugin):
    register_plugin(LengthPlugin(), name="lengths")
    reward = verifiers_core.get_reward("exact", column="gold")
    assert reward.required_columns == ("gold",)
    clone = pickle.loads(pickle.dumps(reward))
    assert clone(prompts=["p"], completions=["<think>.</think> 7"], gold=["7"]) == [1.0]
    assert clone.__name__ == "exact"


def test_unknown_name_lists_close_matches_and_hint(register_plugin):
    register_plugin(LengthPlugin(), name="lengths")
    with pytest.raises(UnknownRewardError) as info:
        verifiers_core.get_reward("lenght")
    message = str(info.value)
    assert "'length'" in message and "plugin may need installing" in message
    assert isinstance(info.value, KeyError)  # code written for open-r1's dict keeps working


def test_ambiguous_bare_name_lists_candidates(register_plugin):
    register_plugin(LengthPlugin(), name="a")
    register_plugin(OtherLengthPlugin(), name="b")
    with pytest.raises(AmbiguousRewardError, match=r"a/length, b/length"):
        verifiers_core.get_reward("length")
    assert verifiers_core.get_reward("b/length")(prompts=["p"], completions=["xy"]) == [2.0]


@pytest.fixture
def lenient_registry():
    """The production behaviour (a broken plugin is isolated); the test kit's registry is strict."""
    with isolated_registry(strict=False) as registry:
        yield registry


def test_test_kit_registry_is_strict(reward_registry):
    with pytest.raises(PluginError, match="boom while registering"):
        reward_registry.register_plugin(BrokenPlugin(), name="broken")


def test_duplicate_qualified_name_names_both_distributions(lenient_registry):
    with pytest.warns(verifiers_core.PluginLoadWarning, match="dist-one 1.0 and dist-two 2.0"):
        lenient_registry.register_plugin(LengthPlugin(), name="same", distribution="dist-one", version="1.0")
        lenient_registry.register_plugin(
            OtherLengthPlugin(), name="same2", distribution="dist-two", version="2.0"
        )
        # a third plugin object under an already-used pluggy name is a registration failure, so
        # simulate the real case: two distributions whose entry points are both called "same".
        entry = lenient_registry.resolve("same2/length")
        lenient_registry._add(
            type(entry)(entry.name, "same", entry.factory, entry.description, (), "dist-two", "2.0")
        )
    with pytest.raises(DuplicateRewardError, match="dist-one 1.0 and dist-two 2.0"):
        lenient_registry.resolve("same/length")
    statuses = {(r.plugin, r.status) for r in lenient_registry.describe() if r.name == "length"}
    assert ("same", "conflict") in statuses


def test_strict_mode_makes_duplicates_fatal():
    registry = Registry(load_entry_points=False, strict=True)
    registry.register_plugin(LengthPlugin(), name="same", distribution="d1")
    entry = registry.resolve("same/length")
    with pytest.raises(DuplicateRewardError, match="d1 and d2"):
        registry._add(type(entry)("length", "same", entry.factory, "", (), "d2", None))


def test_bad_parameters_name_reward_parameter_and_accepted_values(register_plugin):
    register_plugin(LengthPlugin(), name="lengths")
    with pytest.raises(
        RewardParamError, match=r"reward 'length', parameter 'scale'.*at least 0.0.*accepts a number"
    ):
        verifiers_core.get_reward("length", scale=-1)
    with pytest.raises(RewardParamError, match=r"no parameter 'scal' \(did you mean 'scale'\?\)"):
        verifiers_core.get_reward("length", scal=1)
    with pytest.raises(RewardParamError, match="must be a number, got 'big'"):
        verifiers_core.get_reward("length", scale="big")


def test_failing_plugin_is_recorded_and_others_still_load(lenient_registry):
    with pytest.warns(verifiers_core.PluginLoadWarning, match="boom while registering"):
        lenient_registry.register_plugin(BrokenPlugin(), name="broken", distribution="broken-dist")
    lenient_registry.register_plugin(LengthPlugin(), name="lengths")
    rows = {(r.plugin, r.status): r for r in lenient_registry.describe()}
    assert "boom while registering" in rows[("broken", "failed")].error
    assert ("lengths", "ok") in rows
    # nothing of a plugin whose hook raised is kept, not even what it registered before failing
    with pytest.raises(UnknownRewardError, match="plugins that failed to load: broken"):
        lenient_registry.resolve("half_registered")


def test_strict_mode_makes_plugin_failure_fatal():
    registry = Registry(load_entry_points=False, strict=True)
    with pytest.raises(PluginError, match="boom while registering"):
        registry.register_plugin(BrokenPlugin(), name="broken")


def test_invalid_registration_is_a_plugin_failure(lenient_registry):
    class BadName:
        @verifiers_core.hookimpl
        def register_rewards(self, register):
            register("has space", _length_factory)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info = lenient_registry.register_plugin(BadName(), name="badname")
    assert info.status == "failed" and "invalid" in info.error


def test_typo_in_hook_name_is_reported(lenient_registry):
    class Typo:
        @verifiers_core.hookimpl
        def register_reward(self, register):  # missing "s"
            pass

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        info = lenient_registry.register_plugin(Typo(), name="typo")
    assert info.status == "failed" and "register_reward" in info.error


def test_factory_failure_names_the_reward(register_plugin):
    class Exploding:
        @verifiers_core.hookimpl
        def register_rewards(self, register):
            register("explodes", "no_such_module_xyz:Thing")

    register_plugin(Exploding(), name="exp")
    with pytest.raises(PluginError, match=r"'exp/explodes'.*no_such_module_xyz"):
        verifiers_core.get_reward("explodes")


def test_load_plugins_env_filters_entry_points(monkeypatch):
    monkeypatch.setenv("VERIFIERS_CORE_LOAD_PLUGINS", "")
    assert Registry().describe() == []
    monkeypatch.setenv("VERIFIERS_CORE_LOAD_PLUGINS", "no-such-plugin")
    assert Registry().describe() == []
