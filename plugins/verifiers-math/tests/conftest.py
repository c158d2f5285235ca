"""Shared settings for the verifiers-math tests.

Every test builds its rewards with the same pool settings (``WORKERS``, ``MEMORY_MB``), so the whole
run shares one warm pool, as a trainer process does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "data" / "math_corpus.jsonl"
#: Real model generations from public evaluation outputs, each with its source, labelled by judgement.
REAL_GENERATIONS = Path(__file__).parent / "data" / "real_generations.jsonl"
#: The timeout used by the tests: modest, so pathological cases stay quick.
TIMEOUT = 1.0
WORKERS = 2
MEMORY_MB = 1024


def load_corpus(path: Path = CORPUS) -> list[dict]:
    """A labelled corpus, one dict per JSON line."""
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@pytest.fixture(scope="session")
def corpus() -> list[dict]:
    return load_corpus()


@pytest.fixture(scope="session")
def real_generations() -> list[dict]:
    return load_corpus(REAL_GENERATIONS)


@pytest.fixture(scope="session")
def timeout() -> float:
    """The per-step timeout every reward in these tests uses."""
    return TIMEOUT


@pytest.fixture(scope="session")
def pool_settings() -> dict:
    """Pool parameters shared by every reward built in these tests (one warm pool for the run)."""
    return {"timeout": TIMEOUT, "workers": WORKERS, "memory_mb": MEMORY_MB}


@pytest.fixture(scope="session")
def accuracy():
    """The registered ``accuracy`` reward, built through the registry as a trainer would."""
    import verifiers_core

    return verifiers_core.get_reward("accuracy", timeout=TIMEOUT, workers=WORKERS, memory_mb=MEMORY_MB)
