"""verifiers_core.processes: CPU count, children, hard kills, the per-process registry, framed messages."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from verifiers_core.processes import (
    FrameError,
    PerProcess,
    ProcessHandle,
    child_pids,
    encode_frame,
    hard_kill,
    read_frame,
    usable_cpus,
    write_frame,
)
from verifiers_core.testing import check_in_fork

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


@pytest.fixture
def sleeper():
    child = subprocess.Popen(SLEEPER)
    yield child
    child.kill()
    child.wait()


def test_usable_cpus_is_the_affinity_mask():
    assert usable_cpus() >= 1
    assert usable_cpus() == len(os.sched_getaffinity(0))


def test_child_pids_finds_a_child(sleeper):
    assert sleeper.pid in child_pids()
    assert sleeper.pid in child_pids(os.getpid())
    assert child_pids(sleeper.pid) == []


def test_child_pids_finds_a_child_started_from_a_thread():
    # The child of a thread is listed under that thread's task only, and must stay alive (a
    # thread's child is not re-parented while the thread lives, so keep the thread waiting).
    started, done = threading.Event(), threading.Event()
    box: list[subprocess.Popen] = []

    def start() -> None:
        box.append(subprocess.Popen(SLEEPER))
        started.set()
        done.wait(30)

    thread = threading.Thread(target=start)
    thread.start()
    try:
        assert started.wait(30)
        assert box[0].pid in child_pids()
    finally:
        done.set()
        thread.join()
        box[0].kill()
        box[0].wait()


def test_child_pids_of_an_unknown_process_is_empty():
    assert child_pids(2**22 + 12345) == []


def test_process_handle_kills_a_sleeping_child_and_then_does_nothing(sleeper):
    handle = ProcessHandle(sleeper.pid)
    handle.kill()
    assert sleeper.wait(timeout=10) == -9
    handle.kill()  # reaped: no error, and nothing sent to whoever gets the pid next
    handle.close()
    handle.close()


def test_process_handle_on_a_reaped_process_is_a_no_op():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    handle = ProcessHandle(child.pid)
    handle.kill()
    handle.close()


def test_hard_kill(sleeper):
    assert hard_kill(sleeper.pid) is True
    assert sleeper.wait(timeout=10) == -9
    group = subprocess.Popen(SLEEPER, start_new_session=True)
    assert hard_kill(group.pid, group=True) is True
    assert group.wait(timeout=10) == -9
    assert hard_kill(group.pid, group=True) is False


def test_per_process_same_key_same_value_and_unusable_replaced():
    registry: PerProcess[str, list] = PerProcess()
    first = registry.get("a", list)
    assert registry.get("a", list) is first
    assert registry.get("b", list) is not first
    replaced = registry.get("a", list, usable=lambda value: False)
    assert replaced is not first and registry.get("a", list) is replaced
    assert sorted(registry.keys()) == ["a", "b"] and len(registry) == 2
    registry.clear()
    assert registry.values() == []


def test_close_all_closes_every_value_even_if_one_raises():
    closed = []

    def close(value: str) -> None:
        closed.append(value)
        if value == "b":
            raise RuntimeError("broken close")

    registry = PerProcess(close=close)
    for key in "abc":
        registry.get(key, lambda key=key: key)
    registry.close_all()
    assert sorted(closed) == ["a", "b", "c"]
    assert registry.values() == []


def test_a_forked_child_forgets_the_parents_values_without_closing_them():
    closed = []
    registry = PerProcess(close=lambda value: (closed.append(value), value.close()))
    read_end, write_end = os.pipe()
    parent_value = registry.get("pipe", lambda: os.fdopen(os.dup(write_end), "wb", buffering=0))

    def child() -> bool:  # an empty registry, a lock that is free, the parent's value untouched
        ok = registry.values() == [] and registry.get("pipe", lambda: "mine") == "mine"
        registry.close_all()  # closes "mine" (a str: the close raises, swallowed), not the pipe
        return ok and closed == ["mine"] and not parent_value.closed

    check_in_fork(child, holding=registry._lock)
    assert registry.get("pipe", list) is parent_value and not parent_value.closed
    parent_value.write(b"still usable")
    assert os.read(read_end, 100) == b"still usable"
    registry.close_all()
    assert closed == [parent_value] and parent_value.closed
    os.close(read_end)
    os.close(write_end)


def test_a_child_without_fork_hooks_is_caught_by_the_pid_check():
    registry = PerProcess()
    first = registry.get("k", list)
    registry._pid = -1  # as if this process were a copy made without os.fork's hooks
    assert registry.get("k", list) is not first


def test_frames_round_trip():
    read_end, write_end = os.pipe()
    try:
        messages = [{"a": [1, 2.5, None, "é"]}, [], "x" * 70000, 3]
        writer = threading.Thread(target=lambda: [write_frame(write_end, m) for m in messages])
        writer.start()  # 70 kB is more than a pipe holds: the writer loops over partial writes
        got = [read_frame(read_end, deadline=time.monotonic() + 10, max_bytes=1 << 20) for _ in messages]
        writer.join()
        assert got == messages
        assert encode_frame({"b": 1}) == b'\x00\x00\x00\x07{"b":1}'
    finally:
        os.close(read_end)
        os.close(write_end)


def test_a_frame_arriving_in_pieces_is_read_whole():
    read_end, write_end = os.pipe()
    data = encode_frame({"pieces": list(range(100))})

    def trickle() -> None:
        for i in range(0, len(data), 7):
            os.write(write_end, data[i : i + 7])
            time.sleep(0.002)

    writer = threading.Thread(target=trickle)
    writer.start()
    try:
        assert read_frame(read_end, deadline=time.monotonic() + 10, max_bytes=1000) == {
            "pieces": list(range(100))
        }
    finally:
        writer.join()
        os.close(read_end)
        os.close(write_end)


def test_a_missing_frame_times_out_quickly():
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, encode_frame("late")[:6])  # header and part of the body only
        start = time.monotonic()
        with pytest.raises(FrameError, match="no message within the deadline") as caught:
            read_frame(read_end, deadline=time.monotonic() + 0.2, max_bytes=100)
        assert caught.value.kind == "timeout" and time.monotonic() - start < 1.0
        assert isinstance(caught.value, RuntimeError)
    finally:
        os.close(read_end)
        os.close(write_end)


def test_eof_oversize_and_malformed_frames_are_refused():
    cases = [
        (b"", "eof", "closed the stream"),
        (encode_frame("x" * 200), "oversize", "a frame of 202 bytes, over the limit of 100"),
        (b"\x00\x00\x00\x03{x}", "malformed", "malformed data"),
    ]
    for data, kind, message in cases:
        read_end, write_end = os.pipe()
        os.write(write_end, data)
        os.close(write_end)
        try:
            with pytest.raises(FrameError, match=message) as caught:
                read_frame(read_end, deadline=time.monotonic() + 5, max_bytes=100)
            assert caught.value.kind == kind
        finally:
            os.close(read_end)
