"""Parsing: TRL's parser, the same keys on the command line and in YAML, explicit-key bookkeeping."""

from __future__ import annotations

import pytest

from trainer.args import parse_args, split_comma_weights
from trainer.errors import TrainerConfigError
from trainer.run import reward_choices
from verifiers_core.errors import RewardSelectionError


def test_cli_and_yaml_give_the_same_values(tmp_path):
    cli = parse_args(
        ["--rewards", "accuracy,format", "--learning_rate", "3e-6", "--num_generations", "4", "--lora_r", "8",
         "--reward-weights", "1,0.5", "--dataset_config", "main"]
    )  # fmt: skip
    config = tmp_path / "run.yaml"
    config.write_text(
        "rewards: accuracy,format\nlearning_rate: 3.0e-6\nnum_generations: 4\nlora_r: 8\n"
        "reward_weights: [1, 0.5]\ndataset_config: main\n"
    )
    yml = parse_args(["--config", str(config)])
    for key in ("learning_rate", "num_generations", "reward_weights"):
        assert cli.grpo[key] == yml.grpo[key]
    assert cli.model.lora_r == yml.model.lora_r == 8
    assert cli.trainer.rewards == yml.trainer.rewards == "accuracy,format"
    assert cli.explicit == yml.explicit
    assert cli.grpo["reward_weights"] == [1.0, 0.5]


def test_command_line_wins_over_yaml_and_defaults_are_not_explicit(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("max_steps: 100\ntemperature: 0.7\n")
    parsed = parse_args(["--config", str(config), "--max-steps", "5"])
    assert parsed.grpo["max_steps"] == 5 and parsed.grpo["temperature"] == 0.7
    assert {"max_steps", "temperature"} <= parsed.explicit
    assert "learning_rate" not in parsed.explicit and "num_generations" not in parsed.explicit


def test_yaml_reward_list_form_with_cli_weights_and_args(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("rewards:\n  - {name: code, args: {timeout: 2}}\n  - format\n")
    parsed = parse_args(
        ["--config", str(config), "--reward-weights", "2,0.1", "--reward-arg", "format.strict=true"]
    )
    choices = reward_choices(parsed.trainer, parsed.grpo["reward_weights"])
    assert [(c.name, c.weight, c.args) for c in choices] == [
        ("code", 2.0, {"timeout": 2}),
        ("format", 0.1, {"strict": "true"}),
    ]


def test_weights_given_twice_must_agree(tmp_path):
    """One rule everywhere (score, trainer, adapters, server): weights in the YAML entries and in
    --reward-weights may both be given only if they agree; a contradiction is never silently won."""
    config = tmp_path / "run.yaml"
    config.write_text("rewards:\n  - {name: code, weight: 2.0}\n  - {name: format, weight: 0.1}\n")
    agreeing = parse_args(["--config", str(config), "--reward-weights", "2,0.1"])
    assert [c.weight for c in reward_choices(agreeing.trainer, agreeing.grpo["reward_weights"])] == [2.0, 0.1]
    differing = parse_args(["--config", str(config), "--reward-weights", "1,1"])
    with pytest.raises(RewardSelectionError, match="weights given twice"):
        reward_choices(differing.trainer, differing.grpo["reward_weights"])


def test_reward_arg_repeats_accumulate():
    parsed = parse_args(["--reward-arg", "a.x=1", "--reward_arg", "b.y=2", "c.z=3"])
    assert parsed.trainer.reward_arg == ["a.x=1", "b.y=2", "c.z=3"]


def test_model_alias_and_conflict():
    assert parse_args(["--model", "org/m"]).model.model_name_or_path == "org/m"
    assert parse_args(["--model_name_or_path", "org/m"]).trainer.model == "org/m"
    with pytest.raises(TrainerConfigError, match="disagree"):
        parse_args(["--model", "org/a", "--model_name_or_path", "org/b"])


def test_unknown_yaml_key_is_named_with_a_suggestion(tmp_path):
    config = tmp_path / "run.yaml"
    config.write_text("learning_rat: 1.0e-5\n")
    with pytest.raises(
        TrainerConfigError, match=r"unknown keys: 'learning_rat' \(did you mean 'learning_rate'\?\)"
    ):
        parse_args(["--config", str(config)])


def test_unknown_cli_argument_and_missing_config(tmp_path):
    with pytest.raises(TrainerConfigError, match="unknown command-line arguments: --no-such-flag"):
        parse_args(["--no-such-flag", "1"])
    with pytest.raises(TrainerConfigError, match="does not exist"):
        parse_args(["--config", str(tmp_path / "missing.yaml")])


def test_abbreviations_are_refused():
    # with abbreviations, explicit keys could not be tracked
    with pytest.raises(TrainerConfigError, match="unknown command-line arguments: --learning 1e-5"):
        parse_args(["--learning", "1e-5"])


def test_yaml_env_section_sets_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("VC_TRAINER_TEST_ENV", raising=False)
    config = tmp_path / "run.yaml"
    config.write_text("env:\n  VC_TRAINER_TEST_ENV: hello\n")
    parse_args(["--config", str(config)])
    import os

    assert os.environ["VC_TRAINER_TEST_ENV"] == "hello"
    monkeypatch.delenv("VC_TRAINER_TEST_ENV")


def test_split_comma_weights_leaves_other_options_alone():
    argv = ["--reward-weights", "1,0.5", "--reward-arg", "a.b=1,2", "--rewards", "x,y"]
    assert split_comma_weights(argv) == [
        "--reward-weights",
        "1",
        "0.5",
        "--reward-arg",
        "a.b=1,2",
        "--rewards",
        "x,y",
    ]
