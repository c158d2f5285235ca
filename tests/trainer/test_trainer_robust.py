"""The trainer under a bad output directory and Ctrl-C, and every reward counter in metrics.jsonl."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys

import pytest
from process_watch import descendants, left_behind, wait_until
from trainer_test_support import OFFLINE_ENV, TINY_RUN

from trainer import run as run_module
from trainer.errors import TrainerConfigError
from trainer.outputs import read_metrics

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def no_model_load(monkeypatch):
    """Fail the test if anything builds the trainer, loads a model or builds the demo model."""

    def forbidden(*args, **kwargs):
        raise AssertionError("a model was built or loaded before the output directory was checked")

    import transformers

    monkeypatch.setattr(run_module, "build_trainer", forbidden)
    monkeypatch.setattr(run_module, "_load_builtin", forbidden)
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", forbidden)


def _env(plugin_pythonpath: str, plugins: str = "trainer_test") -> dict[str, str]:
    env = dict(os.environ, **OFFLINE_ENV)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [plugin_pythonpath, env.get("PYTHONPATH", "")] if p)
    env["VERIFIERS_CORE_LOAD_PLUGINS"] = plugins
    env.pop("RANK", None)
    env.pop("WORLD_SIZE", None)
    return env


def _unprivileged() -> list[str]:
    """A prefix that runs a command without the power to bypass file permissions (tests run as root)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to test permissions as root")
    return ["unshare", "--user"]


# -- --output_dir is checked before any model is built or loaded -----------------------------------------


def test_output_dir_that_is_a_file_fails_before_the_demo_model_is_built(
    no_model_load, test_rewards, tmp_path
):
    taken = tmp_path / "taken"
    taken.write_text("not a directory")
    with pytest.raises(TrainerConfigError, match=r"--output_dir .*taken exists and is not a directory"):
        run_module.run(["--rewards", "vowels", "--output_dir", str(taken)])
    with pytest.raises(
        TrainerConfigError, match=r"--output_dir .*taken/run cannot be created: .*taken is not a"
    ):
        run_module.run(["--rewards", "vowels", "--output_dir", str(taken / "run")])


def test_output_dir_check_leaves_nothing_behind(no_model_load, test_rewards, tmp_path, monkeypatch):
    """A missing output directory passes the check without being created (a later error leaves no trace)."""
    monkeypatch.setattr(
        run_module, "_load_builtin", lambda seed: (_ for _ in ()).throw(TrainerConfigError("stop"))
    )
    with pytest.raises(TrainerConfigError, match="stop"):
        run_module.run(["--rewards", "vowels", "--output_dir", str(tmp_path / "new" / "run")])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("where", ["existing", "new"])
def test_read_only_output_dir_is_one_error_line(tmp_path, plugin_pythonpath, where):
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o555)
    target = read_only if where == "existing" else read_only / "runs" / "demo"
    cache = tmp_path / "cache"
    cache.mkdir()
    env = _env(plugin_pythonpath)
    env["XDG_CACHE_HOME"] = str(cache)  # where the demo model would be built: it must stay empty
    cmd = [
        *_unprivileged(),
        sys.executable,
        "-m",
        "trainer",
        "--rewards",
        "vowels",
        "--output_dir",
        str(target),
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    expected = (
        f"error: --output_dir {target} is not writable: Permission denied; choose a directory you can write"
        if where == "existing"
        else f"error: --output_dir {target} cannot be created in {read_only}: Permission denied; "
        "choose a directory you can write"
    )
    assert errors == [expected]
    assert "Traceback" not in proc.stderr
    assert os.listdir(cache) == [] and os.listdir(read_only) == []


# -- Ctrl-C ------------------------------------------------------------------------------------------


def test_ctrl_c_during_training_says_what_was_written_and_leaves_nothing_running(
    tmp_path, tiny_model, arithmetic_jsonl, plugin_pythonpath
):
    out = tmp_path / "run"
    cmd = [
        sys.executable, "-m", "trainer",
        "--rewards", "vowels,accuracy",
        "--model", str(tiny_model), "--dataset", str(arithmetic_jsonl), "--output_dir", str(out),
        "--max_steps", "500", *TINY_RUN,
    ]  # fmt: skip
    metrics = out / "metrics.jsonl"
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=_env(plugin_pythonpath, "trainer_test,math"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as at a terminal, even when the suite runs in the background (SIGINT ignored)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        started = wait_until(lambda: metrics.exists() and metrics.read_text().count("\n") >= 1, timeout=180)
        assert started, proc.stderr.read() if proc.poll() is not None else "no step logged"
        tree = descendants(proc.pid)
        commands = " ".join(open(f"/proc/{p}/cmdline", "rb").read().decode(errors="replace") for p in tree)
        assert "verifiers_math.worker" in commands  # the grading pool is running
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err[-3000:]
    logged = len(read_metrics(metrics))
    interrupted = [line for line in err.splitlines() if line.startswith("interrupted:")]
    assert len(interrupted) == 1, err[-3000:]
    assert interrupted[0].startswith("interrupted: training stopped at step ")
    steps = f"{logged} step" + ("s" if logged != 1 else "")
    assert interrupted[0].endswith(f" of 500; {steps} logged to {metrics} (partial); no model saved"), (
        interrupted
    )
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert not (out / "model.safetensors").exists()
    assert left_behind(tree) == set()


# -- every reward counter reaches metrics.jsonl ------------------------------------------------------------


def test_reward_counters_reach_metrics_jsonl(tmp_path, tiny_model, arithmetic_jsonl, register_plugin):
    import vc_trainer_testplugin
    import verifiers_math.plugin

    register_plugin(vc_trainer_testplugin, name="trainer_test")
    register_plugin(verifiers_math.plugin, name="math")
    out = tmp_path / "run"
    run_module.run(
        [
            "--rewards", "vowels,digits,accuracy",
            # provoked: every completion over 3 characters is refused unread (vowels/oversized); a
            # prompt said to open <think> leaves a completion that never closes it no answer
            "--reward-arg", "vowels.max_completion_chars=3",
            "--reward-arg", "accuracy.think_opened=prompt",
            "--model", str(tiny_model), "--dataset", str(arithmetic_jsonl), "--output_dir", str(out),
            "--max_steps", "2", *TINY_RUN,
        ]
    )  # fmt: skip
    records = read_metrics(out / "metrics.jsonl")
    assert len(records) == 2
    keys = [
        "vowels/oversized",  # the core's size bound
        "accuracy/no_answer",  # the core's answer-region rule
        "digits/no_digits",  # a reward's own counter
        "accuracy/timeouts",  # the math plugin's counters, 0 included
        "accuracy/unusable_golds",
        "accuracy/errors",
    ]
    for key in keys:
        assert all(isinstance(r.get(key), float) for r in records), (key, records[0].keys())
    per_call = 4  # TRL logs the mean over the step's reward calls: one call of 4 completions here
    assert sum(r["vowels/oversized"] for r in records) > 0
    assert sum(r["accuracy/no_answer"] for r in records) > 0
    assert sum(r["digits/no_digits"] for r in records) > 0
    assert all(0 <= r["accuracy/no_answer"] <= per_call for r in records)
