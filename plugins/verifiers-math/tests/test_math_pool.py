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
from verifiers_math.config import AccuracyConfig
from verifiers_math.pool import Item, Report, Task, WorkerPool, get_pool

#: Compared with a number, sympy expands this for many seconds, every time: a worker-bound step.
#: (A power tower is not: a number-vs-number comparison may decide it, and the verdict is cached.)
SLOW = r"\sin(x)^{2000}+\cos(x)^{2000}"


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
    report = pool.run([Task("3", [Item(0, [SLOW]), Item(1, ["3"])])], timeout=0.5)
    elapsed = time.monotonic() - begin
    assert report.outcomes[0].status == "timeout"
    assert report.outcomes[1].status == "ok" and report.outcomes[1].verdict == 1  # the rest was re-queued
    assert elapsed < 0.5 + 1.0
    assert pool.killed_workers == killed + 1
    assert pool.started_workers >= started + 1
    assert len(pool.worker_pids()) == pool.size  # replaced


def test_deadline_counts_from_each_step_not_from_the_task(pool_settings):
    # Forty distinct answers (80 nested fractions each: no cache helps) that take some tens of
    # milliseconds each, given to one worker with a 0.6 s timeout: all of them take well over the
    # timeout, no single answer comes near it. A deadline per task would time most out.
    def deep(k: int) -> str:
        return "\\frac{" * 80 + str(k) + "}{1}" * 80

    solo = WorkerPool(size=1, memory_mb=pool_settings["memory_mb"])
    try:
        solo.run([Task("2", [Item(0, [deep(1000)])])], timeout=30)  # the parser learns the shape once
        items = [Item(i, [deep(i + 2)]) for i in range(40)]
        begin = time.monotonic()
        report = solo.run([Task("2", items)], timeout=0.6)
        elapsed = time.monotonic() - begin
    finally:
        solo.close()
    assert [report.outcomes[i].status for i in range(40)] == ["ok"] * 40
    assert [report.outcomes[i].verdict for i in range(40)] == [1] + [0] * 39
    assert elapsed > 0.6  # the work overran the timeout; no step did


def test_worker_that_dies_is_replaced_and_its_step_decided(pool):
    result: dict = {}
    thread = threading.Thread(
        target=lambda: result.setdefault("r", pool.run([Task("3", [Item(0, [SLOW])])], 30))
    )
    thread.start()
    time.sleep(0.5)
    for pid in pool.worker_pids():
        os.kill(pid, signal.SIGKILL)  # what the kernel's OOM killer or a segfault would do
    thread.join(10)
    assert not thread.is_alive(), "a dead worker left the caller waiting"
    assert result["r"].outcomes[0].status in ("crash", "gold")
    after = pool.run([Task("\\frac{1}{2}", [Item(0, ["0.5"])])], 5)
    assert after.outcomes[0].verdict == 1


def test_workers_have_a_memory_cap(pool, pool_settings):
    pool.warm()  # an earlier test may have killed the workers: their replacements start here
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
            sent.extend(Task(t.gold, list(t.items), t.tolerance) for t in tasks)
            return Report()

    monkeypatch.setattr(grading, "get_pool", lambda *a: Recorder())
    settings = AccuracyConfig()
    # simple golds and answers: decided here, nothing sent
    grading.grade(
        ["\\boxed{72}", "#### 71", "\\boxed{\\frac{2}{4}}"], ["#### 72", "#### 72", "0.5"], settings
    )
    assert sent == []
    # ten distinct non-simple answers to one gold, and repeats: one task, each distinct answer once
    answers = [f"\\boxed{{x^{k}+1}}" for k in range(3, 13)] + ["\\boxed{x^3+1}"] * 6
    verdicts = grading.grade(answers, ["x^2+1"] * len(answers), settings)
    assert [t.gold for t in sent] == ["x^2+1"]
    assert len(sent[0].items) == 10 and all(len(item.parts) == 1 for item in sent[0].items)
    assert {v.event for v in verdicts} == {"crash"}  # the recorder reported nothing: never a silent 1


def test_scheduler_streams_items_to_the_worker_that_holds_the_gold(pool):
    # Two golds, many answers each: every answer is graded, each worker parses each gold at most
    # once, and no worker is left waiting with items queued elsewhere (streamed one at a time).
    tasks = [
        Task("x^2+1", [Item(i, [f"x^{2 + i % 3}+1"]) for i in range(12)]),
        Task("\\frac{x}{2}", [Item(100 + i, [f"\\frac{{x}}{{{2 + i % 2}}}"]) for i in range(12)]),
    ]
    report = pool.run(tasks, timeout=5)
    assert len(report.outcomes) == 24 and all(o.status == "ok" for o in report.outcomes.values())
    assert [report.outcomes[i].verdict for i in range(3)] == [1, 0, 0]
    assert report.stats.tasks_sent == 24
    assert report.stats.gold_parses <= pool.size * 2
    again = pool.run([Task("x^2+1", [Item(0, ["1+x^2"])])], timeout=5)
    assert again.outcomes[0].verdict == 1
    # A worker that still holds the gold takes the item: no parse again. (On a loaded machine a
    # worker may have been killed, or the item may go to the other, idle worker.)
    assert again.stats.gold_parses <= 1


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
    assert pool.run([Task("1", [Item(0, ["1.0"])])], 5).outcomes[0].verdict == 1


def test_two_stage_parsing_reads_every_corpus_answer_as_the_full_parser_does(corpus):
    # The workers parse in ANTLR's SLL mode first (much faster) and in full LL mode only when that
    # fails; where SLL succeeds, the result must be the full parser's.
    import logging

    from latex2sympy2_extended import latex2sympy2
    from verifiers_math.compare import _two_stage_converter
    from verifiers_math.extract import all_boxed

    logging.getLogger("latex2sympy2_extended").setLevel(logging.CRITICAL)
    texts = []
    for row in corpus:
        if (
            not row["pathological"]
            and isinstance(row["completion"], str)
            and isinstance(row["solution"], str)
        ):
            texts += [t for t in all_boxed(row["completion"])[-1:] + [row["solution"]] if len(t) < 200]
    texts = list(dict.fromkeys(texts))[:400]
    base = latex2sympy2._Latex2Sympy
    base = getattr(base, "__mro__", (base,))[1] if base.__name__.startswith("TwoStage") else base
    fast = _two_stage_converter(base)

    def read(converter, text):
        try:
            return str(converter(None, None).parse(text))
        except Exception as exc:  # a text neither parser reads must fail in both
            return type(exc).__name__

    assert len(texts) > 300
    differ = [t for t in texts if read(base, t) != read(fast, t)]
    assert not differ, differ[:5]
