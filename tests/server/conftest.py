"""Fixtures of the reward server's tests: servers started with ``python -m verifiers_core serve``."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).parent / "support"
if str(SUPPORT) not in sys.path:  # tests run with --import-mode=importlib: make the helpers importable
    sys.path.insert(0, str(SUPPORT))

from server_test_support import ServerProcess  # noqa: E402

#: A clean exit after SIGTERM: uvicorn drains, then re-raises the signal (or exits 0).
CLEAN_EXIT = (0, -signal.SIGTERM)

#: The main test server: math and format rewards, a token, a small queue and row cap so that the
#: load test meets 429s; a long grading deadline so that a grader can be killed mid-request.
MAIN_ARGS = (
    "--rewards",
    "accuracy,format",
    "--reward-weights",
    "1,0.5",
    "--reward-arg",
    "accuracy.timeout=60",
    "--reward-arg",
    "accuracy.workers=2",
    "--max-queue-rows",
    "32",
    "--max-rows-per-request",
    "16",
    "--max-batch-rows",
    "16",
    "--max-body-bytes",
    "200000",
    "--code-workers",
    "2",
    "--max-run-timeout",
    "5",
)


@pytest.fixture(scope="session")
def main_server(tmp_path_factory):
    server = ServerProcess(*MAIN_ARGS, log=tmp_path_factory.mktemp("server") / "main.log").wait_ready()
    yield server
    assert server.stop() in CLEAN_EXIT, server.log()


#: A server of the code reward with one scorer and a queue of 4 rows: programs that sleep hold it.
CODE_ARGS = ("--rewards", "code", "--max-queue-rows", "4", "--max-batch-rows", "4", "--scorers", "1")


@pytest.fixture(scope="module")
def code_server(tmp_path_factory):
    server = ServerProcess(*CODE_ARGS, log=tmp_path_factory.mktemp("server") / "code.log").wait_ready()
    yield server
    assert server.stop() in CLEAN_EXIT, server.log()
