"""A short GRPO run on a reasoning-gym dataset generated at run time, end to end, with a tiny model.

The real path: ``--dataset reasoning-gym:basic_arithmetic,chain_sum`` resolved by the registry, rows
generated in-process (no hub), the ``reasoning_gym`` reward scoring every completion in its worker
processes, TRL's GRPOTrainer taking steps. ``vowels`` (the trainer tests' plugin) varies inside a
group of a random model's completions, so the steps have non-zero advantages.
"""

from __future__ import annotations

import json

from trainer_test_support import TINY_RUN

from trainer import run as run_module
from trainer.outputs import read_metrics


def test_grpo_on_a_generated_reasoning_gym_dataset(tmp_path, tiny_model, test_rewards, register_plugin):
    from verifiers_reasoning_gym import plugin

    register_plugin(plugin, name="reasoning-gym")
    out = tmp_path / "rg"
    result = run_module.run(
        [
            "--rewards", "reasoning_gym,vowels",
            "--reward-arg", "reasoning_gym.workers=1",
            "--model", str(tiny_model),
            "--dataset", "reasoning-gym:basic_arithmetic,chain_sum",
            "--dataset-arg", "size=16",
            "--dataset-arg", "max_terms=3",
            "--output_dir", str(out),
            "--max_steps", "3",
            "--learning_rate", "1e-3",
            *TINY_RUN,
        ]
    )  # fmt: skip
    records = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in records] == [1, 2, 3]
    for record in records:
        assert 0.0 <= record["rewards/reasoning_gym/mean"] <= 1.0
        assert record["reasoning_gym/timeouts"] == 0 and record["reasoning_gym/crashes"] == 0
        assert record["reasoning_gym/bad_rows"] == 0  # every generated row was usable
    run_json = json.loads((out / "run.json").read_text())
    generated = run_json["data"]["generated"]
    assert generated["spec"] == "reasoning-gym:basic_arithmetic,chain_sum"
    assert generated["params"]["size"] == 16 and generated["params"]["max_terms"] == 3
    assert run_json["data"]["rows"] == 16
    assert set(run_json["data"]["columns"]) == {"prompt", "answer", "metadata", "data_source"}
    assert [r["name"] for r in run_json["rewards"]] == ["reasoning_gym", "vowels"]
    assert result.summary["steps"] == 3
