"""Faults are counted where users look: sandbox restarts, per-row counters, the fork-safe pool,
and the output cap of collect() after the test's main process exited."""

from __future__ import annotations

import importlib.util
import json
import os
import select
import signal
import subprocess
import threading
import time
from types import SimpleNamespace

import pytest
from verifiers_code.rewards import CodeReward
from verifiers_code.sandbox import pool as pool_module
from verifiers_code.sandbox.pool import Limits, SandboxPool

from verifiers_core.processes import child_pids
from verifiers_core.testing import check_in_fork

DOUBLE = json.dumps({"test_cases": [{"type": "stdin_stdout", "input": "21\n", "output": "42\n"}]})
ANSWER = "```python\nprint(int(input()) * 2)\n```"
SLOW_ANSWER = "```python\nimport time\ntime.sleep(0.6)\nprint(int(input()) * 2)\n```"


@pytest.fixture
def one_worker():
    pool = SandboxPool(workers=1, limits=Limits(timeout=3.0))
    reward = CodeReward(timeout=3.0)
    reward.__name__ = "code"
    reward._pool = pool
    yield reward, pool
    pool.close()


def _kill_supervisor(pool: SandboxPool) -> None:
    worker = pool._workers[0]
    bwrap = worker.proc
    for child in child_pids(bwrap.pid):  # the supervisor, pid 1 of the sandbox
        os.kill(child, signal.SIGKILL)
    bwrap.wait(timeout=10)  # its pid namespace ends with it, and bwrap exits


def _evaluate(reward, completions, infos):
    metrics: dict[str, float] = {}
    scored = reward.evaluate(
        completions, columns={"verification_info": infos}, log_metric=metrics.__setitem__
    )
    return scored, metrics


def test_a_killed_supervisor_is_counted_as_a_restart(one_worker):
    reward, pool = one_worker
    scored, metrics = _evaluate(reward, [ANSWER], [DOUBLE])
    assert scored.values == [1.0] and metrics["code/sandbox_restarts"] == 0.0
    _kill_supervisor(pool)  # killed while idle, between two calls
    scored, metrics = _evaluate(reward, ["no code here", ANSWER], [DOUBLE, DOUBLE])
    assert scored.values == [0.0, 1.0]
    assert metrics["code/sandbox_restarts"] == 1.0 and metrics["code/sandbox_errors"] == 0.0
    assert scored.row_counts[1]["sandbox_restarts"] == 1 and 0 not in scored.row_counts


def test_a_supervisor_killed_during_a_job_is_retried_and_counted(one_worker):
    reward, pool = one_worker
    assert _evaluate(reward, [ANSWER], [DOUBLE])[0].values == [1.0]  # started and warm
    killer = threading.Timer(0.25, _kill_supervisor, args=(pool,))
    killer.start()
    scored, metrics = _evaluate(reward, [SLOW_ANSWER], [DOUBLE])
    killer.join()
    assert scored.values == [1.0]  # the retry in a fresh sandbox graded it
    assert metrics["code/sandbox_restarts"] == 1.0
    assert pool.restarts == 1


def test_events_are_counted_per_row():
    reward = CodeReward(timeout=0.5, workers=1)
    reward.__name__ = "code"
    infos = [DOUBLE, DOUBLE, "{broken", DOUBLE, DOUBLE]
    completions = [
        ANSWER,
        "```python\nwhile True:\n    pass\n```",
        ANSWER,
        "<think>cut off before the answer",
        "```python\nraise ValueError\n```",
    ]
    scored = reward.evaluate(
        completions,
        prompts=["Q", "Q", "Q", "Q <think>", "Q"],  # row 3: the prompt opened <think>, never closed
        columns={"verification_info": infos},
        log_metric=lambda k, v: None,
    )
    assert scored.values == [1.0, 0.0, None, 0.0, 0.0]
    counts = {i: dict(c) for i, c in scored.row_counts.items()}
    assert counts == {
        1: {"timeouts": 1},
        2: {"invalid_tests": 1},
        3: {"no_answer": 1},  # nothing ran for it
        4: {"runtime_errors": 1},
    }


def test_the_shared_pool_survives_a_fork_while_its_lock_is_held():
    limits = Limits(timeout=2.0)
    parent_pool = pool_module.shared_pool(1, limits, "auto", True)
    reward = CodeReward(timeout=2.0, workers=1)
    reward.__name__ = "code"
    assert reward(prompts=["p"], completions=[ANSWER], verification_info=[DOUBLE]) == [1.0]
    assert reward._pool is parent_pool

    def child() -> bool:  # a DataLoader worker, say: its own pool, the parent's left alone
        child_pool = pool_module.shared_pool(1, limits, "auto", True)
        ok = child_pool is not parent_pool and child_pool.owned and not parent_pool.owned
        ok = ok and reward(prompts=["p"], completions=[ANSWER], verification_info=[DOUBLE]) == [1.0]
        ok = ok and reward._pool is child_pool
        parent_pool.close()  # a no-op here: the parent's sandboxes are not the child's
        child_pool.close()
        return ok

    check_in_fork(child, holding=pool_module._shared._lock)  # a deadlock on the lock would fail it
    # The parent's sandbox was neither used nor stopped by the child.
    assert parent_pool._workers[0].proc is not None and parent_pool._workers[0].proc.poll() is None
    assert reward(prompts=["p"], completions=[ANSWER], verification_info=[DOUBLE]) == [1.0]


def _load_supervisor():
    spec = importlib.util.spec_from_file_location("supervisor_under_test", pool_module._SUPERVISOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _OnlyExitFirst:
    """A poll() whose first answer reports only the exit (the last fd registered), as happens
    when the output arrives between two polls: what is read after the exit must be capped too."""

    def __init__(self) -> None:
        self.real = select.poll()
        self.order: list[int] = []
        self.calls = 0

    def register(self, fd, events):
        self.order.append(fd)
        self.real.register(fd, events)

    def unregister(self, fd):
        self.real.unregister(fd)

    def poll(self, timeout):
        events = self.real.poll(timeout)
        self.calls += 1
        if self.calls == 1:
            return [(fd, ev) for fd, ev in events if fd == self.order[-1]]
        return events


def test_stderr_is_capped_after_the_main_process_exited(monkeypatch):
    sup = _load_supervisor()
    monkeypatch.setattr(sup, "kill_everything", lambda pid=None: None)  # never signal our own children
    monkeypatch.setattr(sup, "select", SimpleNamespace(poll=_OnlyExitFirst, POLLIN=select.POLLIN))
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    child = subprocess.Popen(
        ["/bin/sh", "-c", "head -c 3000 /dev/zero >&2"], stdout=out_w, stderr=err_w, close_fds=True
    )
    os.close(out_w)
    os.close(err_w)
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped: its output waits
    outcome, status, bufs, _ = sup.collect(child.pid, out_r, err_r, None, 5.0, 1024)
    child.returncode = 0  # reaped by collect()
    os.close(out_r)
    os.close(err_r)
    assert outcome is sup.Outcome.OUTPUT_LIMIT
    assert len(bufs[err_r]) <= sup.STDERR_KEEP


def test_restarts_reach_the_pool_counter_without_a_reward():
    pool = SandboxPool(workers=1)
    try:
        job = {"lang": "python", "code": "print(1)", "tests": [{"kind": "stdio", "stdin": ""}]}
        assert pool.run([job])[0]["restarts"] == 0
        _kill_supervisor(pool)
        deadline = time.monotonic() + 5
        while pool._workers[0].proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        answer = pool.run([job])[0]
        assert answer["restarts"] == 1 and answer["results"][0]["status"] == "ok"
        assert pool.restarts == 1
    finally:
        pool.close()
