"""The supervisor (stdlib only, inside the sandbox) and the pool (verifiers_core.processes) speak the
same frames: each reads what the other writes."""

from __future__ import annotations

import importlib.util
import os
import threading
import time

from verifiers_code.sandbox import pool as pool_module

from verifiers_core.processes import encode_frame, read_frame, write_frame

MESSAGES = [{"op": "ping"}, {"results": [{"stdout": "Y2JhCg==", "status": "ok"}]}, "é" * 40000, [], None]


def _supervisor():
    # Loaded from its source as the sandbox does; importing it runs nothing (main() is guarded).
    spec = importlib.util.spec_from_file_location("supervisor_frames", pool_module._SUPERVISOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _through_a_pipe(write, read):
    read_end, write_end = os.pipe()
    try:
        writer = threading.Thread(target=lambda: [write(write_end, m) for m in MESSAGES])
        writer.start()  # 80 kB: more than a pipe holds, so partial writes and reads happen
        got = [read(read_end) for _ in MESSAGES]
        writer.join()
        return got
    finally:
        os.close(read_end)
        os.close(write_end)


def test_the_supervisor_reads_what_the_core_writes():
    supervisor = _supervisor()
    assert _through_a_pipe(write_frame, supervisor.read_frame) == MESSAGES


def test_the_core_reads_what_the_supervisor_writes():
    supervisor = _supervisor()

    def read(fd):
        return read_frame(fd, deadline=time.monotonic() + 10, max_bytes=pool_module.MAX_FRAME)

    assert _through_a_pipe(supervisor.write_frame, read) == MESSAGES


def test_the_bytes_are_the_same():
    supervisor = _supervisor()
    read_end, write_end = os.pipe()
    try:
        supervisor.write_frame(write_end, {"ready": True, "pid": 1})
        assert os.read(read_end, 100) == encode_frame({"ready": True, "pid": 1})
    finally:
        os.close(read_end)
        os.close(write_end)
