"""Faults are counted where users look, per call and per row, and the same batch logs the same answers."""

from __future__ import annotations

import threading
import time
import tomllib
from pathlib import Path

import pytest

import verifiers_core

#: A cap just above a worker's own size (about 75 MB of address space), so that an answer whose
#: comparison builds a 2^31-bit integer hits it at once.
SMALL_MEMORY_MB = 200
MEMORY_BOMB = "\\boxed{x + 2^{2^{31}}}"  # compared with `x + 1`: simplify evaluates the power


@pytest.fixture(scope="module")
def capped(pool_settings):
    reward = verifiers_core.get_reward("accuracy", timeout=5.0, workers=1, memory_mb=SMALL_MEMORY_MB)
    reward.warm()
    return reward


def _memory_call(reward) -> tuple[list, dict, dict, float]:
    metrics: dict[str, float] = {}
    start = time.monotonic()
    scored = reward.evaluate(
        [MEMORY_BOMB, "\\boxed{x+1}"],
        prompts=["p", "p"],
        columns={"solution": ["x + 1", "x + 1"]},
        log_metric=lambda name, value: metrics.__setitem__(name, value),
    )
    return scored.values, metrics, scored.row_counts, time.monotonic() - start


def test_a_memory_cap_hit_is_counted_promptly_and_the_worker_replaced(capped):
    from verifiers_math.pool import get_pool

    pool = get_pool(1, SMALL_MEMORY_MB)
    values, metrics, row_counts, elapsed = _memory_call(capped)
    assert values == [0.0, 1.0]
    assert metrics["accuracy/memory_errors"] == 1.0
    assert metrics["accuracy/errors"] == 0.0 and metrics["accuracy/timeouts"] == 0.0
    assert row_counts[0]["memory_errors"] == 1 and 1 not in row_counts
    assert elapsed < 5.0 + 1.0
    assert pool.last_stats.memory_kills == 1
    assert len(pool.worker_pids()) == pool.size  # replaced: the next call has a fresh worker


def test_a_memory_cap_hit_is_counted_from_a_worker_thread(capped):
    out: dict = {}
    thread = threading.Thread(target=lambda: out.setdefault("r", _memory_call(capped)))
    thread.start()
    thread.join(60)
    values, metrics, _rows, elapsed = out["r"]
    assert values == [0.0, 1.0] and metrics["accuracy/memory_errors"] == 1.0 and elapsed < 6.0


def test_events_are_counted_per_row(accuracy):
    scored = accuracy.evaluate(
        [
            "\\boxed{2}",
            "nothing to read here at all",
            "\\boxed{\\sin(x)^{2000}+\\cos(x)^{2000}}",  # seconds of sympy: a timeout
            "\\boxed{3}",
        ],
        prompts=["p"] * 4,
        columns={"solution": ["2", "2", "3", None]},
    )
    assert scored.values == [1.0, 0.0, 0.0, None]
    assert dict(scored.row_counts[1]) == {"unparsed": 1}
    assert dict(scored.row_counts[2]) == {"timeouts": 1}
    assert dict(scored.row_counts[3]) == {"unusable_golds": 1}
    assert 0 not in scored.row_counts


def test_the_same_batch_logs_the_same_answers_for_an_unusable_gold(accuracy):
    # The first call learns that the gold is unusable; the second knows it in advance. Both must
    # show what the completions answered.
    completions = ["\\boxed{7}", "The answer is 8.", "\\boxed{x^2}"]
    golds = ["\\frac{1}{", "\\frac{1}{", "\\frac{1}{"]  # unbalanced: unusable
    logged = []
    for _ in range(2):
        extra: dict[str, list] = {}
        values = accuracy(
            prompts=["p"] * 3,
            completions=completions,
            solution=golds,
            log_extra=lambda column, vals, extra=extra: extra.__setitem__(column, vals),
        )
        assert values == [None, None, None]
        logged.append(extra["accuracy_answer"])
    assert logged[0] == logged[1] == ["7", "8", "x^2"]
    # and a gold that only the workers find unusable (it parses to nothing)
    logged = []
    for _ in range(2):
        extra = {}
        accuracy(
            prompts=["p"],
            completions=["\\boxed{7}"],
            solution=["\\frac{}{}"],
            log_extra=lambda column, vals, extra=extra: extra.__setitem__(column, vals),
        )
        logged.append(extra["accuracy_answer"])
    assert logged[0] == logged[1] == ["7"]


def test_packages_declare_the_python_ci_tests():
    # The math plugin uses possessive quantifiers (Python 3.11); every package says so.
    root = Path(__file__).resolve().parents[3]
    files = [root / "pyproject.toml", *sorted((root / "plugins").glob("*/pyproject.toml"))]
    assert len(files) >= 4
    for path in files:
        project = tomllib.loads(path.read_text())["project"]
        assert project["requires-python"] == ">=3.11", path
    assert tomllib.loads(files[0].read_text())["tool"]["ruff"]["target-version"] == "py311"
