"""``--reward-executor ray`` against a cluster that is not there: a clear error before any model loads."""

from __future__ import annotations

import socket

import pytest

from trainer import run as run_module


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_cluster_fails_before_the_model_loads(tmp_path, monkeypatch, capsys):
    pytest.importorskip("ray")

    def no_model(*args, **kwargs):
        raise AssertionError("the model was about to be built before the cluster was checked")

    monkeypatch.setattr(run_module, "_load_builtin", no_model)
    monkeypatch.setattr(run_module, "load_any", no_model)
    port = _closed_port()
    out = tmp_path / "out"
    argv = ["--rewards", "accuracy,format", "--reward-executor", "ray", "--ray-address", f"127.0.0.1:{port}"]
    assert run_module.main([*argv, "--output_dir", str(out)]) == 2
    err = capsys.readouterr().err
    assert (
        f"--reward-executor ray: cannot reach the Ray cluster at 127.0.0.1:{port} (Connection refused)" in err
    )
    assert "ray start --head" in err
    assert not out.exists()
    # the same with a dataset and a model named: nothing is loaded either
    assert run_module.main([*argv, "--model", "/nowhere", "--dataset", "/nowhere.jsonl"]) == 2
    assert "cannot reach the Ray cluster" in capsys.readouterr().err


def test_executor_options_are_checked_with_the_rewards(capsys):
    assert run_module.main(["--rewards", "format", "--ray-address", "10.0.0.1:6379"]) == 2
    assert "add --reward-executor ray" in capsys.readouterr().err
    assert (
        run_module.main(["--rewards", "format", "--reward-executor", "ray", "--ray-option", "retries=-1"])
        == 2
    )
    assert "ray option retries must be at least 0, got -1" in capsys.readouterr().err
