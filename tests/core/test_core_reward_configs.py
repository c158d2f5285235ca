"""Every built-in reward declares its parameters once, in a config dataclass.

For each one: the registry's parameters are the config's fields; the constructor takes the config
(and keywords, for direct use) and has no defaults of its own; a default build holds ``Config()``;
and every field given to the registry reaches the built reward's config.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import verifiers_core
from verifiers_core.params import Param
from verifiers_core.registry import _resolve_factory

BUILTIN_REWARDS = (
    "accuracy",
    "cosine",
    "format",
    "tag_count",
    "repetition",
    "overlong",
    "language_consistency",
    "code",
    "code_binary",
    "code_format",
    "reasoning_gym",
)


@pytest.fixture(scope="module")
def registry() -> verifiers_core.Registry:
    return verifiers_core.get_registry()


def _tokenizer(tmp_path) -> str:
    from tokenizers import Tokenizer, models

    path = tmp_path / "tokenizer.json"
    Tokenizer(models.WordLevel({"[UNK]": 0, "a": 1}, unk_token="[UNK]")).save(str(path))
    return str(path)


def _candidates(param: Param, tmp_path) -> list[Any]:
    """Values other than the default, most plausible first (the first valid one is used)."""
    default = param.default
    if param.choices is not None:
        return [c for c in param.choices if c != default]
    if param.name == "tokenizer":
        return [_tokenizer(tmp_path)]
    if param.type is bool:
        return [not default]
    if param.type is int:
        return [5] if default is None else [default + 1, default - 1]
    if param.type is float:
        if default is None:
            return [2.0]
        return [default * 2 or 0.25, default / 2, default + 0.25, default - 0.25]
    if param.type is str:
        return ["other_column" if default is None else f"{default}_other", "en"]
    raise AssertionError(f"{param.name}: no candidate values for type {param.type}")


def _other_value(config_class: type, param: Param, tmp_path) -> Any:
    for value in _candidates(param, tmp_path):
        try:
            config_class(**{param.name: value})
        except ValueError:
            continue
        return value
    raise AssertionError(f"{config_class.__name__}.{param.name}: no valid value other than the default")


@pytest.mark.parametrize("name", BUILTIN_REWARDS)
def test_parameters_are_the_config_fields(registry, name):
    entry = registry.resolve(name)
    assert entry.config is not None, f"{name} declares its parameters without a config"
    assert entry.params == entry.config.params()
    assert [p.name for p in entry.params] == [f for f in entry.config.__dataclass_fields__]


@pytest.mark.parametrize("name", BUILTIN_REWARDS)
def test_the_constructor_keeps_the_config_and_has_no_defaults(registry, name):
    factory = _resolve_factory(registry.resolve(name))
    signature = inspect.signature(factory)
    kinds = [(p.name, p.kind) for p in signature.parameters.values()]
    assert kinds == [("config", inspect.Parameter.POSITIONAL_ONLY), ("params", inspect.Parameter.VAR_KEYWORD)]
    assert signature.parameters["config"].default is None


@pytest.mark.parametrize("name", BUILTIN_REWARDS)
def test_a_default_build_holds_the_default_config(registry, name):
    entry = registry.resolve(name)
    assert registry.create(name).config == entry.config()
    factory = _resolve_factory(entry)
    assert factory().config == entry.config()  # built directly, the same


@pytest.mark.parametrize("name", BUILTIN_REWARDS)
def test_every_field_reaches_the_built_reward(registry, name, tmp_path):
    entry = registry.resolve(name)
    for param in entry.params:
        value = _other_value(entry.config, param, tmp_path)
        reward = registry.create(name, **{param.name: value})
        assert getattr(reward.config, param.name) == value, param.name
        assert reward.spec.params[param.name] == value, param.name


@pytest.mark.parametrize("name", BUILTIN_REWARDS)
def test_a_bad_value_is_refused_once_with_the_reward_and_parameter_named(registry, name):
    entry = registry.resolve(name)
    param = entry.params[0]
    bad = "not-one-of-them" if param.choices is not None else object()
    with pytest.raises(verifiers_core.RewardParamError, match=f"reward '{name}', parameter '{param.name}'"):
        registry.create(name, **{param.name: bad})


def test_a_config_and_keywords_together_are_refused():
    from verifiers_format.config import RepetitionConfig
    from verifiers_format.repetition import RepetitionReward

    with pytest.raises(TypeError, match="not both"):
        RepetitionReward(RepetitionConfig(n=2), n=3)
    with pytest.raises(TypeError, match="RepetitionConfig"):
        RepetitionReward(object())
