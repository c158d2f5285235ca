"""Every configuration error is raised with its message before any model loads."""

from __future__ import annotations

import pytest
from trainer_test_support import TINY_RUN, write_jsonl

from trainer import run as run_module
from trainer.errors import TrainerConfigError
from verifiers_core.errors import RewardParamError, RewardSelectionError, UnknownRewardError


@pytest.fixture
def no_model_load(monkeypatch):
    """Fail the test if anything tries to build the trainer, load a model or build the demo model."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a model was loaded before the configuration error")

    import transformers

    monkeypatch.setattr(run_module, "build_trainer", forbidden)
    monkeypatch.setattr(run_module, "_load_builtin", forbidden)
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", forbidden)


def _argv(tiny_model, data, *extra):
    return ["--model", str(tiny_model), "--dataset", str(data), "--output_dir", "unused", *TINY_RUN, *extra]


def test_unknown_reward(no_model_load, test_rewards, tiny_model, arithmetic_jsonl):
    with pytest.raises(UnknownRewardError, match=r"unknown reward 'vowel'; did you mean 'vowels'"):
        run_module.run(["--rewards", "vowel,digits", *_argv(tiny_model, arithmetic_jsonl)])


def test_unknown_reward_before_builtin_model_is_built(no_model_load, test_rewards):
    with pytest.raises(UnknownRewardError, match="unknown reward 'acuracy'"):
        run_module.run(["--rewards", "acuracy"])


def test_bad_reward_parameter(no_model_load, test_rewards, tiny_model, arithmetic_jsonl):
    with pytest.raises(RewardParamError, match="scale"):
        run_module.run(
            ["--rewards", "digits", "--reward-arg", "digits.scale=-1", *_argv(tiny_model, arithmetic_jsonl)]
        )


@pytest.mark.parametrize("weights", ["1", "1,2,3"])
def test_weights_not_matching_rewards(no_model_load, test_rewards, tiny_model, arithmetic_jsonl, weights):
    n = len(weights.split(","))
    with pytest.raises(RewardSelectionError, match=f"{n} reward weights given for 2 rewards"):
        run_module.run(
            ["--rewards", "vowels,digits", "--reward-weights", weights, *_argv(tiny_model, arithmetic_jsonl)]
        )


def test_batch_not_divisible_by_num_generations(no_model_load, test_rewards, tiny_model, arithmetic_jsonl):
    argv = ["--rewards", "vowels", *_argv(tiny_model, arithmetic_jsonl), "--num_generations", "3"]
    with pytest.raises(
        TrainerConfigError,
        match=r"generation batch of 4 completions .* not divisible by num_generations \(3\)",
    ):
        run_module.run(argv)


def test_missing_local_model_path(no_model_load, test_rewards, tmp_path, arithmetic_jsonl):
    missing = tmp_path / "no_such_model"
    with pytest.raises(TrainerConfigError, match=r"model path '.*no_such_model' does not exist"):
        run_module.run(["--rewards", "vowels", *_argv(missing, arithmetic_jsonl)])


def test_hub_id_is_not_mistaken_for_a_path(no_model_load, test_rewards, arithmetic_jsonl, monkeypatch):
    """A real hub id passes the path check (offline, it must be cached: the message says so)."""
    monkeypatch.setenv("HF_HOME", "/nonexistent-hf-home")
    with pytest.raises(TrainerConfigError, match="not in the Hugging Face cache"):
        run_module.run(["--rewards", "vowels", *_argv("Qwen/Qwen2.5-0.5B-Instruct", arithmetic_jsonl)])


def test_dataset_without_prompt_column(no_model_load, test_rewards, tiny_model, tmp_path):
    data = write_jsonl(tmp_path / "bad.jsonl", [{"text": "hello", "solution": "1"}] * 4)
    with pytest.raises(
        TrainerConfigError,
        match=r"no usable prompt column: looked for 'prompt'.*columns present: text, solution",
    ):
        run_module.run(["--rewards", "vowels", *_argv(tiny_model, data)])


def test_prompt_column_with_unusable_values(no_model_load, test_rewards, tiny_model, tmp_path):
    data = write_jsonl(tmp_path / "bad.jsonl", [{"prompt": "ok"}, {"prompt": ""}])
    with pytest.raises(TrainerConfigError, match=r"'prompt' in row 1 holds an empty string"):
        run_module.run(["--rewards", "vowels", *_argv(tiny_model, data)])


def test_reward_column_missing(no_model_load, test_rewards, tiny_model, tmp_path):
    data = write_jsonl(tmp_path / "nogold.jsonl", [{"prompt": "2+2?"}] * 4)
    with pytest.raises(
        TrainerConfigError,
        match=r"reward 'contains_gold' needs the column 'solution'.*columns present: prompt",
    ):
        run_module.run(["--rewards", "vowels,contains_gold", *_argv(tiny_model, data)])


def test_mu_combination_that_leaves_clipping_inert(no_model_load, test_rewards, tiny_model, arithmetic_jsonl):
    argv = [
        "--rewards", "vowels", *_argv(tiny_model, arithmetic_jsonl),
        "--mu", "2", "--gradient_accumulation_steps", "4", "--steps_per_generation", "2",
    ]  # fmt: skip
    with pytest.raises(
        TrainerConfigError,
        match=r"would leave PPO clipping inert.*\(4\) % \(steps_per_generation \(2\) × num_iterations \(2\)\) = 0.*unset steps_per_generation",
    ):
        run_module.run(argv)


def test_mu_disagrees_with_num_iterations(no_model_load, test_rewards, tiny_model, arithmetic_jsonl):
    with pytest.raises(TrainerConfigError, match="--mu 2 and num_iterations 3 disagree"):
        run_module.run(
            [
                "--rewards",
                "vowels",
                *_argv(tiny_model, arithmetic_jsonl),
                "--mu",
                "2",
                "--num_iterations",
                "3",
            ]
        )


def test_model_without_dataset(no_model_load, test_rewards, tiny_model):
    with pytest.raises(TrainerConfigError, match="--model given without --dataset"):
        run_module.run(["--rewards", "vowels", "--model", str(tiny_model)])


def test_no_rewards(no_model_load, test_rewards, tiny_model, arithmetic_jsonl):
    with pytest.raises(TrainerConfigError, match="no rewards selected"):
        run_module.run(_argv(tiny_model, arithmetic_jsonl))


def test_main_prints_error_and_exits_2(no_model_load, test_rewards, capsys):
    assert run_module.main(["--rewards", "nope"]) == 2
    assert "error: unknown reward 'nope'" in capsys.readouterr().err


def test_builtin_keeps_its_own_seed_unless_seed_is_given(test_rewards, monkeypatch):
    seeds = []

    class Stop(Exception):
        pass

    def fake(seed):
        seeds.append(seed)
        raise Stop

    monkeypatch.setattr(run_module, "_load_builtin", fake)
    for argv in (["--rewards", "vowels"], ["--rewards", "vowels", "--seed", "3"]):
        with pytest.raises(Stop):
            run_module.run(argv)
    assert seeds == [None, 3]
