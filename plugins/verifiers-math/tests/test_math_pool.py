"""The worker pool: hard deadlines from pick-up, kill and replace, memory cap, sharing, shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from verifiers_math import grading
from verifiers_math.pool import Report, Task, get_pool

TOWER = r"\dfrac{5^{(5^{(5^{(5^5)})}-4)}-5}{16}"


@pytest.fixture(scope="module")
def pool(pool_settings):
    pool = get_pool(pool_settings["workers"], pool_settings["memory_mb"])
    pool.warm()
    return pool


def test_pool_is_shared_per_settings(pool, pool_settings):
    assert get_pool(pool_settings["workers"], pool_settings["memory_mb"]) is pool
    assert get_pool(pool_settings["workers"], pool_settings["memory_mb"] + 1) is not pool


def test_overrunning_worker_is_killed_and_replaced(pool):
    killed, started = pool.killed_workers, pool.started_workers
    begin = time.monotonic()
    report = pool.run([Task("3", [(0, TOWER, False), (1, "3", False)])], timeout=0.5)
    elapsed = time.monotonic() - begin
    assert report.outcomes[0].status == "timeout"
    assert report.outcomes[1].status == "ok" and report.outcomes[1].verdict == 1  # the rest was re-queued
    assert elapsed < 0.5 + 1.0
    assert pool.killed_workers == killed + 1
    assert pool.started_workers >= started + 1
    assert len(pool.worker_pids()) == pool.size  # replaced


def test_deadline_counts_from_each_step_not_from_the_chunk(pool):
    # Forty distinct answers (80 nested fractions each: no cache helps) that take some tens of
    # milliseconds each, sent as one chunk with a 0.6 s timeout: the chunk as a whole takes well
    # over the timeout, no single answer comes near it. A deadline per chunk would time most out.
    def deep(k: int) -> str:
        return "\\frac{" * 80 + str(k) + "}{1}" * 80

    pool.run([Task("2", [(0, deep(1000), False)])], timeout=30)  # the parser learns the shape once
    items = [(i, deep(i + 2), False) for i in range(40)]
    begin = time.monotonic()
    report = pool.run([Task("2", items)], timeout=0.6)
    elapsed = time.monotonic() - begin
    assert [report.outcomes[i].status for i in range(40)] == ["ok"] * 40
    assert [report.outcomes[i].verdict for i in range(40)] == [1] + [0] * 39
    assert elapsed > 0.6  # the chunk overran the timeout; no step did


def test_worker_that_dies_is_replaced_and_its_step_decided(pool):
    result: dict = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("r", pool.run([Task("3", [(0, TOWER, False)])], 30))
    )
    thread.start()
    time.sleep(0.5)
    for pid in pool.worker_pids():
        os.kill(pid, signal.SIGKILL)  # what the kernel's OOM killer or a segfault would do
    thread.join(10)
    assert not thread.is_alive(), "a dead worker left the caller waiting"
    assert result["r"].outcomes[0].status in ("crash", "gold")
    after = pool.run([Task("\\frac{1}{2}", [(0, "0.5", False)])], 5)
    assert after.outcomes[0].verdict == 1


def test_workers_have_a_memory_cap(pool, pool_settings):
    pid = pool.worker_pids()[0]
    with open(f"/proc/{pid}/limits") as f:
        line = next(row for row in f if row.startswith("Max address space"))
    assert int(line.split()[3]) == pool_settings["memory_mb"] * 1024 * 1024


def test_workers_are_forked_from_a_fresh_interpreter_not_from_the_trainer(pool):
    zygote = pool.zygote_pid
    assert zygote is not None
    with open(f"/proc/{zygote}/cmdline", "rb") as f:
        assert b"verifiers_math.worker" in f.read()
    for pid in pool.worker_pids():
        with open(f"/proc/{pid}/stat") as f:
            assert int(f.read().rsplit(")", 1)[1].split()[1]) == zygote  # parent is the zygote


def test_gold_parsed_once_per_distinct_gold_and_fast_paths_skip_the_pool(monkeypatch):
    sent: list[Task] = []

    class Recorder:
        def run(self, tasks, timeout):
            sent.extend(Task(t.gold, list(t.items)) for t in tasks)
            return Report()

    monkeypatch.setattr(grading, "get_pool", lambda *a: Recorder())
    settings = grading.Settings(chunk_size=4)
    # simple golds and answers: decided here, nothing sent
    grading.grade(
        ["\\boxed{72}", "#### 71", "\\boxed{\\frac{2}{4}}"], ["#### 72", "#### 72", "0.5"], settings
    )
    assert sent == []
    # ten distinct non-simple answers to one gold, and repeats: one gold, chunks of 4, repeats graded once
    answers = [f"\\boxed{{x^{k}+1}}" for k in range(3, 13)] + ["\\boxed{x^3+1}"] * 6
    grading.grade(answers, ["x^2+1"] * len(answers), settings)
    assert {t.gold for t in sent} == {"x^2+1"}
    assert [len(t.items) for t in sent] == [4, 4, 2]


def test_pool_and_zygote_stop_when_the_process_exits():
    script = textwrap.dedent(
        """
        import verifiers_core
        from verifiers_math.pool import get_pool
        r = verifiers_core.get_reward("accuracy", workers=1, timeout=2)
        assert r(prompts=["p"], completions=["\\\\boxed{x+1}"], solution=["1+x"]) == [1.0]
        pool = get_pool(1, 1024)
        print(pool.zygote_pid, *pool.worker_pids())
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 2
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "grading processes outlived the trainer"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_forked_child_gets_its_own_pool(pool, pool_settings):
    pid = os.fork()
    if pid == 0:  # the child: must not drive the parent's workers
        ok = get_pool(pool_settings["workers"], pool_settings["memory_mb"]) is not pool
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert pool.run([Task("1", [(0, "1.0", False)])], 5).outcomes[0].verdict == 1
