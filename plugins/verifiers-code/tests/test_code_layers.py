"""Isolation layers: probing, the weaker fallbacks, refusing without namespaces, no secret in bwrap."""

from __future__ import annotations

import json
import logging
import os
import secrets

import pytest
from verifiers_code.rewards import CodeReward
from verifiers_code.sandbox import layers
from verifiers_code.sandbox.pool import Limits, SandboxPool

from verifiers_core.processes import child_pids

DOUBLE = json.dumps({"test_cases": [{"type": "stdin_stdout", "input": "21\n", "output": "42\n"}]})
GOOD = "```python\nprint(int(input()) * 2)\n```"
ANSWER = "print(int(input()) * 2)"


def reward_on(pool: SandboxPool) -> CodeReward:
    reward = CodeReward(timeout=1.0)
    reward.__name__ = "code"
    reward._pool = pool
    return reward


def test_probe_finds_bwrap_first():
    assert layers.probe("bwrap") is None
    assert layers.choose_layer("auto") == "bwrap"


def test_no_namespaces_is_refused_unless_allowed(monkeypatch):
    with pytest.raises(layers.SandboxUnavailable, match="require_namespaces"):
        layers.choose_layer("none", require_namespaces=True)
    # With every namespace layer broken, auto refuses too, naming each reason and the fix.
    monkeypatch.setitem(layers._probe_cache, "bwrap", "not installed")
    monkeypatch.setitem(layers._probe_cache, "unshare", "user namespaces disabled")
    with pytest.raises(layers.SandboxUnavailable, match="apt-get install bubblewrap"):
        layers.choose_layer("auto")
    assert layers.choose_layer("auto", require_namespaces=False) == "none"


def test_layer_choice_is_logged_once(caplog, monkeypatch):
    monkeypatch.setattr(layers, "_logged", set())
    with caplog.at_level(logging.INFO, logger="verifiers_code"):
        layers.choose_layer("none", require_namespaces=False)
        layers.choose_layer("none", require_namespaces=False)
    loud = [r for r in caplog.records if "isolation layer 'none'" in r.message]
    assert len(loud) == 1 and loud[0].levelno == logging.WARNING and "!!!" in loud[0].message


def test_bwrap_itself_holds_no_secret_in_its_environment():
    canary = "canary-" + secrets.token_hex(8)
    os.environ["VERIFIERS_CODE_LAYER_CANARY"] = canary
    try:
        pool = SandboxPool(workers=1, limits=Limits(timeout=1.0), isolation="bwrap")
        reward = reward_on(pool)
        assert reward(prompts=["p"], completions=[GOOD], verification_info=[DOUBLE]) == [1.0]
        bwrap_pid = pool._workers[0].proc.pid
        for pid in [bwrap_pid, *child_pids(bwrap_pid)]:
            with open(f"/proc/{pid}/environ", "rb") as f:
                assert canary.encode() not in f.read()
        pool.close()
    finally:
        os.environ.pop("VERIFIERS_CODE_LAYER_CANARY", None)


@pytest.mark.parametrize("layer", ["unshare", "none"])
def test_fallback_layers_still_grade_and_contain(layer):
    pool = SandboxPool(
        workers=1, limits=Limits(timeout=1.0, memory_mb=256), isolation=layer, require_namespaces=False
    )
    reward = reward_on(pool)
    attacks = [
        "import os\nif os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(100)\n",  # daemon
        "import os\nwhile True:\n    os.fork()",  # fork bomb (uid 65534 gets RLIMIT_NPROC)
        "import socket\nsocket.create_connection(('1.1.1.1', 443), timeout=0.5)\n" + ANSWER,  # seccomp
        "import ctypes, os\nif ctypes.CDLL(None).ptrace(16, os.getppid(), 0, 0) == 0:\n    " + ANSWER,
        "x = bytearray(10**10)\n" + ANSWER,
    ]
    comps = [GOOD] + [f"```python\n{a}\n```" for a in attacks]
    assert reward(prompts=["p"] * len(comps), completions=comps, verification_info=[DOUBLE] * len(comps)) == [
        1.0
    ] + [0.0] * len(attacks)
    worker = pool._workers[0]
    if layer == "unshare":
        assert worker.ping()["left"] == []  # its own pid namespace, emptied after each test
    else:
        assert worker.proc.poll() is None  # the supervisor is alive, and it
        assert child_pids(worker.proc.pid) == []  # reaped and killed the daemon
    pool.close()
