"""``--dataset NAME`` for a registered dataset generator: the resolution rule, the YAML form, a run."""

from __future__ import annotations

import json

import pytest
from trainer_test_support import TINY_RUN

from trainer import run as run_module
from trainer.args import parse_args
from trainer.errors import TrainerConfigError
from trainer.sources import HUB, LOCAL, REGISTERED, dataset_kind


def _argv(tmp_path, tiny_model, *dataset: str) -> list[str]:
    return [
        "--rewards", "vowels,contains_gold",
        "--model", str(tiny_model),
        "--output_dir", str(tmp_path / "out"),
        "--max_steps", "2",
        "--learning_rate", "1e-3",
        *TINY_RUN,
        *dataset,
    ]  # fmt: skip


def test_the_rule_registered_local_hub(tmp_path, monkeypatch, test_rewards):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rows.jsonl").write_text('{"prompt": "p"}\n')
    assert dataset_kind("trainer_sums") == REGISTERED
    assert dataset_kind("trainer_sums:anything") == REGISTERED  # the argument is the generator's to judge
    assert dataset_kind("rows.jsonl") == LOCAL
    assert dataset_kind("openai/gsm8k") == HUB and dataset_kind("gsm8k") == HUB
    with pytest.raises(TrainerConfigError, match="no installed plugin registers"):
        dataset_kind("nosuch-plugin:task")
    (tmp_path / "trainer_sums").mkdir()  # a folder with the registered name: ambiguous, never a guess
    with pytest.raises(TrainerConfigError, match="ambiguous.*./trainer_sums"):
        dataset_kind("trainer_sums")
    assert dataset_kind("./trainer_sums") == LOCAL


def test_run_generates_the_rows_with_cli_args(tmp_path, tiny_model, test_rewards):
    argv = _argv(tmp_path, tiny_model, "--dataset", "trainer_sums", "--dataset-arg", "size=12",
                 "--dataset-arg", "seed=5", "--dataset_split", "test")  # fmt: skip
    result = run_module.run(argv)
    run_json = json.loads((tmp_path / "out" / "run.json").read_text())
    generated = run_json["data"]["generated"]
    assert generated["spec"] == "trainer_sums" and generated["plugin"] == "trainer_test"
    assert generated["params"] == {"size": 12, "seed": 5, "split": "test"}  # --dataset_split fills split
    assert run_json["data"]["rows"] == 12 and run_json["data"]["columns"] == ["prompt", "solution"]
    assert result.summary["steps"] == 2
    assert "rewards" in result.summary and set(result.summary["rewards"]) == {"vowels", "contains_gold"}


def test_yaml_form(tmp_path, tiny_model, test_rewards):
    config = tmp_path / "run.yaml"
    config.write_text("dataset:\n  name: trainer_sums\n  args: {size: 6, seed: 2}\n")
    parsed = parse_args([*_argv(tmp_path, tiny_model), "--config", str(config), "--dataset-arg", "size=8"])
    plan = run_module.plan_run(parsed)
    assert plan.data.generated["params"] == {"size": 8, "seed": 2, "split": "train"}  # the command line wins
    assert len(plan.data.dataset) == 8
    first = plan.data.dataset[0]["prompt"]
    assert first[-1] == {"role": "user", "content": "What is 2 + 3?"}  # chat prompt with the system prompt


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--dataset", "trainer_sums", "--dataset-arg", "sise=3"],
            "dataset 'trainer_sums' has no parameter 'sise'",
        ),
        (["--dataset", "trainer_sums", "--dataset-arg", "split=dev"], "parameter 'split': must be one of"),
        (
            ["--dataset", "trainer_sums", "--dataset_config", "main"],
            "--dataset_config applies to hub datasets",
        ),
        (["--dataset", "trainer_sums", "--preset", "gsm8k"], "--preset gsm8k does not apply"),
        (
            ["--dataset", "openai/gsm8k", "--dataset-arg", "size=3"],
            "--dataset-arg applies to registered datasets",
        ),
        (["--dataset-arg", "size=3"], "--dataset-arg given without --dataset"),
    ],
)
def test_bad_dataset_options_are_refused_before_any_model_loads(
    tmp_path, tiny_model, test_rewards, extra, message, capsys
):
    assert run_module.main(_argv(tmp_path, tiny_model, *extra)) == 2
    assert message in capsys.readouterr().err
