"""Fixtures for the trainer's tests: a tiny Qwen2 model built in-process, data files, a test reward plugin."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

SUPPORT = Path(__file__).parent / "support"
SHARED_SUPPORT = Path(__file__).parent.parent / "support"  # process_watch, shared with the core's tests
for _path in (SUPPORT, SHARED_SUPPORT):
    if str(_path) not in sys.path:  # tests run with --import-mode=importlib: make the helpers importable
        sys.path.insert(0, str(_path))

from trainer_test_support import OFFLINE_ENV, build_tiny_model, write_jsonl  # noqa: E402


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    for key, value in OFFLINE_ENV.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """Path to a saved tiny model + tokenizer (built once per test session, no download)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def arithmetic_jsonl(tmp_path_factory) -> Path:
    """32 rows with a text ``prompt`` and a ``solution``."""
    rows = [{"prompt": f"What is {a} + {a + 3}?", "solution": str(2 * a + 3)} for a in range(32)]
    return write_jsonl(tmp_path_factory.mktemp("data") / "arith.jsonl", rows)


@pytest.fixture
def test_rewards(register_plugin):
    """The test plugin registered in an isolated registry (in-process runs see only its rewards)."""
    import vc_trainer_testplugin

    register_plugin(vc_trainer_testplugin, name="trainer_test")
    return vc_trainer_testplugin


@pytest.fixture(scope="session")
def plugin_pythonpath(tmp_path_factory) -> str:
    """A PYTHONPATH under which the test plugin is an installed distribution (a dist-info with its entry
    point), for subprocess runs, without pip-installing anything into the shared venv."""
    site = tmp_path_factory.mktemp("site")
    info = site / "vc_trainer_testplugin-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vc-trainer-testplugin\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text("[verifiers_core]\ntrainer_test = vc_trainer_testplugin\n")
    return os.pathsep.join([str(SUPPORT), str(site)])
