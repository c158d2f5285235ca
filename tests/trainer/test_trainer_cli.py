"""`python -m trainer` run exactly as a user would, in a subprocess, with a plugin found by entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from trainer_test_support import OFFLINE_ENV, TINY_RUN

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _env(plugin_pythonpath: str) -> dict[str, str]:
    env = dict(os.environ, **OFFLINE_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [plugin_pythonpath, env.get("PYTHONPATH", "")] if p)
    env["VERIFIERS_CORE_LOAD_PLUGINS"] = "trainer_test"  # only the test plugin: other plugins stay out of it
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


def test_cli_trains_and_writes_outputs(tmp_path, tiny_model, arithmetic_jsonl, plugin_pythonpath):
    out = tmp_path / "run"
    config = tmp_path / "run.yaml"
    # The reward selection in YAML form; the command line adds the rest (the same keys work in both).
    config.write_text(
        "rewards:\n"
        "  - {name: vowels, weight: 1.0}\n"
        "  - {name: trainer_test/digits, weight: 0.5, args: {scale: 2}}\n"
        "max_steps: 4\n"
        "learning_rate: 1.0e-3\n"
    )
    cmd = [
        sys.executable, "-m", "trainer",
        "--config", str(config),
        "--model", str(tiny_model),
        "--dataset", str(arithmetic_jsonl),
        "--output_dir", str(out),
        "--mu", "2",
        "--sample_every", "2",
        *TINY_RUN,
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=ROOT, env=_env(plugin_pythonpath), capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "mu = 2: clipping can act" in proc.stdout
    assert "reward vowels:" in proc.stdout and "reward digits:" in proc.stdout
    assert "4/4" in proc.stderr  # the progress bar
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert len(records) == 4
    assert any("rewards/vowels/mean" in r for r in records) and any(
        "rewards/digits/mean" in r for r in records
    )
    run_json = json.loads((out / "run.json").read_text())
    assert run_json["rewards"][1]["qualified_name"] == "trainer_test/digits"
    assert run_json["rewards"][1]["distribution"] == "vc-trainer-testplugin"
    assert run_json["rewards"][1]["version"] == "0.0.1"
    assert run_json["rewards"][1]["params"] == {"scale": 2.0}
    assert run_json["grpo_config"]["learning_rate"] == 1e-3
    assert run_json["config_file"]["max_steps"] == 4
    steps = {json.loads(line)["step"] for line in (out / "samples.jsonl").read_text().splitlines()}
    assert steps == {1, 2, 4}
    assert (out / "metrics.png").stat().st_size > 0
    assert (out / "summary.json").exists()


def test_cli_error_exit_status_and_message(tmp_path, plugin_pythonpath):
    cmd = [sys.executable, "-m", "trainer", "--rewards", "vowels,digitz", "--output_dir", str(tmp_path)]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=_env(plugin_pythonpath), capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert "error: unknown reward 'digitz'; did you mean 'digits'?" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_help_lists_our_options_first():
    proc = subprocess.run(
        [sys.executable, "-m", "trainer", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0
    text = proc.stdout
    ours = [text.index(f"--{name}") for name in ("rewards", "reward_arg", "mu", "model", "dataset", "preset")]
    theirs = [text.index(f"--{name}") for name in ("learning_rate", "num_generations", "lora_r", "use_vllm")]
    assert max(ours) < min(theirs)
    assert "--reward_weights" in text and "--config" in text


def test_runs_under_accelerate_launch_with_two_processes(
    tmp_path, tiny_model, arithmetic_jsonl, plugin_pythonpath
):
    """TRL's own scale-out: two DDP processes (gloo on CPU here). The generation batch counts both processes
    (2 per device x 2 = one group of 4), and only rank 0 writes the run's files."""
    out = tmp_path / "ddp"
    accelerate = os.path.join(os.path.dirname(sys.executable), "accelerate")
    cmd = [
        accelerate, "launch", "--multi_gpu", "--num_processes", "2", "--num_machines", "1",
        "--mixed_precision", "no", "--dynamo_backend", "no",
        "-m", "trainer",
        "--rewards", "vowels,digits",
        "--model", str(tiny_model),
        "--dataset", str(arithmetic_jsonl),
        "--output_dir", str(out),
        "--mu", "2",
        "--max_steps", "4",
        "--learning_rate", "1e-2",
        *TINY_RUN,
        "--per_device_train_batch_size", "2",
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=ROOT, env=_env(plugin_pythonpath), capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("reward vowels:") == 1  # printed by rank 0 only
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3, 4]
    assert max(r["clip_ratio/region_mean"] for r in records) > 0
