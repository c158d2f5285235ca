"""Rows written by ``python -m verifiers_core dataset ... --layout verl`` score right through the veRL
adapter, as veRL's reward managers would pass them (``reward_model.ground_truth``, ``extra_info``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from verifiers_core.integrations.verl import compute_score_batch

pd = pytest.importorskip("pandas")
pytest.importorskip(
    "verifiers_reasoning_gym", reason="plugins/verifiers-reasoning-gym, installed by make install"
)


@pytest.fixture(scope="module")
def verl_rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("verl") / "rows.parquet"
    cmd = [sys.executable, "-m", "verifiers_core", "dataset", "reasoning-gym:basic_arithmetic"]
    proc = subprocess.run(
        [*cmd, "--param", "size=12", "--output", str(out), "--layout", "verl"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return pd.read_parquet(out)


def _score(rows, solutions):
    return compute_score_batch(
        rows["data_source"].tolist(),
        solutions,
        [rm["ground_truth"] for rm in rows["reward_model"]],
        rows["extra_info"].tolist(),
        rewards="reasoning_gym,format",
        reward_weights="1,0.25",
    )


def test_generated_verl_rows_score_right_and_wrong(verl_rows):
    golds = [rm["ground_truth"] for rm in verl_rows["reward_model"]]
    right = _score(verl_rows, [f"<think>adding up</think><answer>{g}</answer>" for g in golds])
    assert [s["reasoning_gym"] for s in right] == [1.0] * len(golds)
    assert [s["score"] for s in right] == [1.25] * len(golds)
    wrong = _score(verl_rows, [f"<think>adding up</think><answer>{g}1</answer>" for g in golds])
    assert [s["reasoning_gym"] for s in wrong] == [0.0] * len(golds)
    cut = _score(verl_rows, [f"adding up, <answer>{g}</answer>" for g in golds])  # no think block: the
    assert [s["reasoning_gym"] for s in cut] == [1.0] * len(golds)  # answer counts; format does not
    assert [s["format"] for s in cut] == [0.0] * len(golds)
    assert len({frozenset(s) for s in right + wrong + cut}) == 1  # veRL needs the same keys every time
