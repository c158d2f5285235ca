"""Fixtures for the integration tests: the reward selection in the environment, a saved tokenizer."""

from __future__ import annotations

import pytest

from verifiers_core.integrations import common
from verifiers_core.suite import clear_suites

from .support import ENV


@pytest.fixture
def reward_env(monkeypatch):
    """The test selection in the ``VERIFIERS_CORE_*`` variables (what a framework's workers see)."""
    for key in common.ENVIRONMENT:
        monkeypatch.delenv(key, raising=False)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    yield ENV


@pytest.fixture(scope="session")
def tokenizer_dir(tmp_path_factory):
    """The built-in character tokenizer (ChatML, ``<|im_end|>`` as EOS) saved like a model's."""
    from trainer.builtin.tokenizer import build_tokenizer

    path = tmp_path_factory.mktemp("tokenizer")
    build_tokenizer().save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tokenizer(tokenizer_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tokenizer_dir)


@pytest.fixture(autouse=True)
def _fresh_suites():
    yield
    clear_suites()
