"""The two labelled corpora (hand-written cases; real model generations): agreement with the labels,
and bounded time on pathological inputs."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest

QUICK = 0.5  # seconds: the timeout of the timing tests
CATEGORIES = {"gsm8k", "math_solution", "bare_gold", "number_gold", "policy", "unusable_gold", "pathological"}
#: The classes added with the answer-region and grading work (each at least a few cases).
NEW_CATEGORIES = {
    "multi_box",
    "exact_value",
    "sequence",
    "free_form",
    "separator",
    "text_answer",
    "choice",
    "constant",
    "radical",
    "units",
}


def _score(reward, rows):
    return reward(
        prompts=[r.get("prompt", "Solve.") for r in rows],
        completions=[r["completion"] for r in rows],
        solution=[r["solution"] for r in rows],
    )


def _misses(reward, rows) -> list:
    values = _score(reward, rows)
    return [(r["id"], r["note"], r["expected"], v) for r, v in zip(rows, values) if v != r["expected"]]


def test_corpus_is_large_and_covers_every_category(corpus):
    assert len(corpus) >= 530
    counts = Counter(r["category"] for r in corpus)
    assert sum(counts[c] for c in NEW_CATEGORIES) >= 150 and min(counts[c] for c in NEW_CATEGORIES) >= 8
    assert CATEGORIES | NEW_CATEGORIES <= {r["category"] for r in corpus}
    assert len({r["id"] for r in corpus}) == len(corpus)
    labels = Counter(r["expected"] for r in corpus)
    assert labels[1.0] > 100 and labels[0.0] > 100 and labels[None] >= 10  # both verdicts well represented
    pathological = [r for r in corpus if r["pathological"]]
    assert len(pathological) >= 20
    notes = " ".join(r["note"] for r in pathological)
    for kind in ("tower", "10k", "nested", "unbalanced"):
        assert kind in notes, kind
    # a wrong boxed answer inside <think> before the right final one
    assert any(
        "<think>" in r["completion"]
        and "\\boxed" in r["completion"].split("</think>")[0]
        and r["expected"] == 1.0
        for r in corpus
        if isinstance(r["completion"], str) and "</think>" in r["completion"]
    )


def test_agreement_with_hand_labels_is_at_least_97_percent(accuracy, corpus):
    misses = _misses(accuracy, corpus)
    agreement = 1 - len(misses) / len(corpus)
    assert agreement >= 0.97, f"agreement {agreement:.3f}; misses: {misses}"


def test_real_generations_corpus_names_its_sources(real_generations):
    assert len(real_generations) >= 300
    assert len({r["id"] for r in real_generations}) == len(real_generations)
    for row in real_generations:
        source = row["source"]
        assert source["repo"] and source["path"] and len(source["commit"]) == 40, row["id"]
        assert (
            source["url"] == f"https://github.com/{source['repo']}/blob/{source['commit']}/{source['path']}"
        )
        assert row["expected"] in (0.0, 1.0) and row["note"]
    models = Counter(r["source"]["model"].split(" (")[0] for r in real_generations)
    assert len(models) >= 5, models  # several model families, not one
    labels = Counter(r["expected"] for r in real_generations)
    assert labels[1.0] >= 100 and labels[0.0] >= 100


def test_agreement_with_labels_of_real_generations_is_at_least_99_percent(accuracy, real_generations):
    misses = _misses(accuracy, real_generations)
    agreement = 1 - len(misses) / len(real_generations)
    assert agreement >= 0.99, f"agreement {agreement:.3f}; misses: {misses}"


def _timed_cases(reward, corpus) -> list[tuple[str, float, object, object]]:
    out = []
    for row in [r for r in corpus if r["pathological"]]:
        start = time.monotonic()
        value = _score(reward, [row])[0]
        out.append((row["id"], time.monotonic() - start, value, row["expected"]))
    return out


def _check_bounded(timed, timeout: float) -> None:
    slow = [(case, round(seconds, 2)) for case, seconds, _, _ in timed if seconds > timeout + 1.0]
    assert not slow, f"decided later than timeout + 1 s: {slow}"
    assert all(isinstance(value, float) for _, _, value, _ in timed)


@pytest.fixture(scope="module")
def quick(pool_settings):
    """``accuracy`` with a shorter timeout (same pool): each pathological case costs at most that."""
    import verifiers_core

    return verifiers_core.get_reward("accuracy", **{**pool_settings, "timeout": QUICK})


def test_pathological_cases_are_decided_in_time_from_the_main_thread(quick, corpus):
    assert threading.current_thread() is threading.main_thread()
    _check_bounded(_timed_cases(quick, corpus), QUICK)


def test_pathological_cases_are_decided_in_time_from_a_worker_thread(quick, corpus):
    result: dict = {}

    def run() -> None:
        try:
            result["timed"] = _timed_cases(quick, corpus)
        except BaseException as exc:  # surfaced below
            result["error"] = exc

    thread = threading.Thread(target=run, name="reward-thread")
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), "scoring from a worker thread did not finish"
    assert "error" not in result, result.get("error")
    _check_bounded(result["timed"], QUICK)
