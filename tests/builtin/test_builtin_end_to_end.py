"""`python -m trainer --rewards accuracy,format` on a shortened built-in build, end to end, twice.

The real trainer path (registry rewards from the installed math and format plugins, the built-in
model, data and overrides, held-out evaluation, summary.json), with a short cold start and a few
GRPO steps. Run twice with one seed, the logged numbers must be identical.
"""

from __future__ import annotations

import json
import os

import pytest

from trainer import run as run_module
from trainer.builtin import build_builtin
from trainer.builtin.sft import SFTRecipe

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

SHORT = SFTRecipe(steps=40, batch_size=32, warmup_steps=5)
# Keys whose values must repeat exactly; timings (step_time, runtime) do not.
COMPARED = ("loss", "reward", "reward_std", "rewards/accuracy/mean", "rewards/format/mean", "grad_norm")


@pytest.fixture(scope="module")
def short_builtin(tmp_path_factory):
    cache = tmp_path_factory.mktemp("builtin-cache")
    return lambda seed: build_builtin(
        seed if seed is not None else 0, cache, sft=SHORT, train_size=64, heldout_size=40, verbose=False
    )


def _train(tmp_path, name, short_builtin, monkeypatch):
    monkeypatch.setattr(run_module, "_load_builtin", short_builtin)
    out = tmp_path / name
    run_module.run(
        ["--rewards", "accuracy,format", "--output_dir", str(out), "--max_steps", "4", "--seed", "3"]
    )
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    summary = json.loads((out / "summary.json").read_text())
    return out, metrics, summary


def test_builtin_trains_end_to_end_and_repeats_exactly(tmp_path, short_builtin, monkeypatch):
    out, metrics, summary = _train(tmp_path, "first", short_builtin, monkeypatch)
    assert len(metrics) == 4
    for record in metrics:
        assert 0.0 <= record["rewards/accuracy/mean"] <= 1.0
        assert 0.0 <= record["rewards/format/mean"] <= 1.0
        assert record["accuracy/timeouts"] == 0 and record["accuracy/unusable_golds"] == 0
    # even a 40-step cold start writes the R1 shape some of the time: the format reward sees it
    assert max(r["rewards/format/mean"] for r in metrics) > 0.0
    for key in ("heldout_accuracy_before", "heldout_accuracy_after"):
        assert 0.0 <= summary[key] <= 1.0
    assert set(summary["rewards"]) == {"accuracy", "format"}
    run_json = json.loads((out / "run.json").read_text())
    assert [r["qualified_name"] for r in run_json["rewards"]] == ["math/accuracy", "format/format"]
    assert (out / "metrics.png").stat().st_size > 0

    _, again, summary_again = _train(tmp_path, "second", short_builtin, monkeypatch)
    assert [{k: r.get(k) for k in COMPARED} for r in again] == [
        {k: r.get(k) for k in COMPARED} for r in metrics
    ]
    assert summary_again["heldout_accuracy_before"] == summary["heldout_accuracy_before"]
    assert summary_again["heldout_accuracy_after"] == summary["heldout_accuracy_after"]
