"""Fixtures of the reward server's tests: servers started with ``python -m verifiers_core serve``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).parent / "support"
if str(SUPPORT) not in sys.path:  # tests run with --import-mode=importlib: make the helpers importable
    sys.path.insert(0, str(SUPPORT))

from server_test_support import CLEAN_EXIT, CODE_ARGS, MAIN_ARGS, ServerProcess  # noqa: E402


@pytest.fixture(scope="session")
def main_server(tmp_path_factory):
    server = ServerProcess(*MAIN_ARGS, log=tmp_path_factory.mktemp("server") / "main.log").wait_ready()
    yield server
    assert server.stop() in CLEAN_EXIT, server.log()


@pytest.fixture(scope="module")
def code_server(tmp_path_factory):
    server = ServerProcess(*CODE_ARGS, log=tmp_path_factory.mktemp("server") / "code.log").wait_ready()
    yield server
    assert server.stop() in CLEAN_EXIT, server.log()
