"""A few real GRPO steps on CPU with a tiny model and two test rewards, in-process."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import pytest
from trainer_test_support import TINY_RUN, build_tiny_model

from trainer import run as run_module
from trainer.outputs import read_metrics


def _train(tmp_path, tiny_model, data, mu: int, extra: list[str] = ()):
    out = tmp_path / f"out_mu{mu}"
    argv = [
        "--rewards", "vowels,digits",
        "--reward-weights", "1,0.5",
        "--reward-arg", "digits.scale=2",
        "--model", str(tiny_model),
        "--dataset", str(data),
        "--output_dir", str(out),
        "--mu", str(mu),
        "--learning_rate", "1e-2",
        "--max_steps", "6",
        *TINY_RUN,
        *extra,
    ]  # fmt: skip
    return out, run_module.run(argv)


def test_mu2_clips_and_logs_both_rewards(tmp_path, tiny_model, arithmetic_jsonl, test_rewards):
    out, result = _train(tmp_path, tiny_model, arithmetic_jsonl, mu=2)
    records = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in records] == list(range(1, 7))  # one object per logged step
    for name in ("vowels", "digits"):
        assert any(isinstance(r.get(f"rewards/{name}/mean"), float) for r in records), name
    clip = [r["clip_ratio/region_mean"] for r in records]
    assert max(clip) > 0, clip
    # the TRL keys are kept as they are
    assert {"reward", "completions/mean_length", "clip_ratio/low_mean", "loss"} <= set().union(*records)

    run_json = json.loads((out / "run.json").read_text())
    assert [r["name"] for r in run_json["rewards"]] == ["vowels", "digits"]
    assert [r["weight"] for r in run_json["rewards"]] == [1.0, 0.5]
    assert run_json["rewards"][1]["params"] == {"scale": 2.0}
    assert run_json["rewards"][0]["plugin"] == "trainer_test"
    assert run_json["grpo_config"]["num_iterations"] == 2
    assert run_json["grpo_config"]["reward_weights"] == [1.0, 0.5]
    assert run_json["clipping"]["acts"] is True
    assert run_json["data"]["preset"] == "none"

    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert samples and all(set(s["rewards"]) == {"vowels", "digits"} for s in samples)
    assert all(isinstance(s["completion"], str) for s in samples)
    assert (out / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["rewards"]) == {"vowels", "digits"}
    first = [r["rewards/vowels/mean"] for r in records if "rewards/vowels/mean" in r][0]
    assert summary["rewards"]["vowels"]["first_tenth_mean"] == pytest.approx(first)
    assert result.summary["clip_ratio_max"] == max(clip)


def test_mu1_never_clips(tmp_path, tiny_model, arithmetic_jsonl, test_rewards):
    out, _ = _train(tmp_path, tiny_model, arithmetic_jsonl, mu=1)
    records = read_metrics(out / "metrics.jsonl")
    assert len(records) == 6
    assert all(r["clip_ratio/region_mean"] == 0.0 for r in records)
    assert all(r["clip_ratio/high_max"] == 0.0 for r in records)


@dataclass
class FakeBuiltin:
    """Stands in for trainer.builtin's BuiltinSetup (same fields), built from the tiny test model."""

    model_path: str
    tokenizer: Any
    train_dataset: Any
    heldout_dataset: Any
    grpo_overrides: dict
    calls: list

    def evaluate(self, model, tokenizer, dataset) -> float:
        self.calls.append(len(dataset))
        return 0.25 * len(self.calls)


def test_builtin_defaults_path(tmp_path, monkeypatch, test_rewards):
    """No --model, no --dataset: the built-in setup's model, data and overrides are used; summary.json."""
    from datasets import Dataset
    from transformers import AutoTokenizer

    model_dir = build_tiny_model(tmp_path / "builtin_model")
    rows = [{"prompt": [{"role": "user", "content": f"{a}+1?"}], "solution": str(a + 1)} for a in range(16)]
    setup = FakeBuiltin(
        model_path=str(model_dir),
        tokenizer=AutoTokenizer.from_pretrained(model_dir),
        train_dataset=Dataset.from_list(rows),
        heldout_dataset=Dataset.from_list(rows[:5]),
        grpo_overrides={
            "per_device_train_batch_size": 4,
            "num_generations": 4,
            "max_completion_length": 8,
            "max_steps": 20,  # the user's --max_steps below must win
            "learning_rate": 1e-3,
            "logging_steps": 1,
            "use_cpu": True,
            "bf16": False,
            "beta": 0.0,
            "save_strategy": "no",
        },
        calls=[],
    )
    seeds = []
    monkeypatch.setattr(run_module, "_load_builtin", lambda seed: seeds.append(seed) or setup)
    out = tmp_path / "demo"
    result = run_module.run(
        ["--rewards", "vowels,contains_gold", "--output_dir", str(out), "--max_steps", "3", "--seed", "7"]
    )
    assert seeds == [7]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["heldout_accuracy_before"] == 0.25 and summary["heldout_accuracy_after"] == 0.5
    assert setup.calls == [5, 5]
    assert set(summary["rewards"]) == {"vowels", "contains_gold"}
    assert summary["steps"] == 3 == result.summary["steps"]
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["builtin"] is True
    assert run_json["grpo_config"]["max_steps"] == 3
    assert run_json["grpo_config"]["learning_rate"] == 1e-3
    assert "max_steps" not in run_json["defaults_applied"]
    assert os.path.exists(out / "metrics.png")
