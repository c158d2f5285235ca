"""``reasoning-gym:<task>[,<task>...]`` datasets: parameters, determinism, splits, and the CLI must-shows."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import verifiers_core
from verifiers_core import DatasetParamError
from verifiers_core.suite import SuiteSpec


def _get(spec, **params):
    return verifiers_core.get_dataset(spec, **params)


def test_rows_are_deterministic_and_seeded():
    a = _get("reasoning-gym:chain_sum", size=5, seed=3).rows
    assert a == _get("reasoning-gym:chain_sum", size=5, seed=3).rows
    assert a != _get("reasoning-gym:chain_sum", size=5, seed=4).rows
    for row in a:
        metadata = json.loads(row["metadata"])
        assert metadata["source_dataset"] == "chain_sum" and metadata["source_config"] == {}
        assert row["data_source"] == "reasoning-gym:chain_sum" and isinstance(row["prompt"], str)


def test_several_tasks_take_turns_with_per_task_parameters():
    made = _get(
        "reasoning-gym:basic_arithmetic,chain_sum",
        size=5,
        max_terms=3,  # both tasks have it
        **{"chain_sum.min_terms": 3, "chain_sum.max_terms": 4},  # one task's field wins over the bare one
    )
    tasks = [json.loads(r["metadata"])["source_dataset"] for r in made.rows]
    assert tasks == ["basic_arithmetic", "chain_sum"] * 2 + ["basic_arithmetic"]
    configs = {t: json.loads(r["metadata"])["source_config"] for t, r in zip(tasks, made.rows)}
    assert configs["basic_arithmetic"] == {"max_terms": 3}
    assert configs["chain_sum"] == {"max_terms": 4, "min_terms": 3}
    for task, row in zip(tasks, made.rows):
        terms = json.loads(row["metadata"])["num_terms"]
        assert terms <= (3 if task == "basic_arithmetic" else 4)


def test_splits_draw_different_items():
    train = [r["prompt"] for r in _get("reasoning-gym:basic_arithmetic", size=40, split="train").rows]
    test = [r["prompt"] for r in _get("reasoning-gym:basic_arithmetic", size=40, split="test").rows]
    assert not set(train) & set(test)


def test_list_typed_parameters_are_stored_and_used_by_the_scorer():
    made = _get("reasoning-gym:countdown", size=2, operators="[+, -]")
    assert made.params["operators"] == ("+", "-")
    for row in made.rows:
        assert json.loads(row["metadata"])["source_config"] == {"operators": ["+", "-"]}
        assert "*" not in row["answer"] and "/" not in row["answer"]
    values = verifiers_core.get_reward("reasoning_gym")(
        prompts=["p"] * 2,
        completions=[f"<think>.</think><answer>{r['answer']}</answer>" for r in made.rows],
        answer=[r["answer"] for r in made.rows],
        metadata=[r["metadata"] for r in made.rows],
    )
    assert values == [1.0, 1.0]


@pytest.mark.parametrize(
    ("spec", "params", "message"),
    [
        ("reasoning-gym:countdwn", {}, "reasoning-gym has no task 'countdwn' (did you mean 'countdown'?)"),
        ("reasoning-gym:countdown,countdown", {}, "task 'countdown' is named twice"),
        (
            "reasoning-gym:countdown",
            {"min_number": 3},
            "has no parameter 'min_number' (did you mean 'min_numbers'?)",
        ),
        ("reasoning-gym:countdown", {"min_numbers": "three"}, "parameter 'min_numbers': must be an integer"),
        (
            "reasoning-gym:countdown",
            {"min_numbers": 5, "max_numbers": 3},
            "reasoning-gym:countdown refuses the configuration min_numbers=5, max_numbers=3",
        ),
        ("reasoning-gym:countdown", {"split": "dev"}, "parameter 'split': must be one of 'train', 'test'"),
        ("reasoning-gym", {}, "needs an argument: write it as reasoning-gym:TASK[,TASK...]"),
    ],
)
def test_bad_specs_and_parameters_say_what_is_wrong(spec, params, message):
    with pytest.raises(DatasetParamError) as info:
        _get(spec, **params)
    assert message in str(info.value)


def _cli(*args, cwd=None):
    proc = subprocess.run(
        [sys.executable, "-m", "verifiers_core", *args], capture_output=True, text=True, timeout=300, cwd=cwd,
        env={**os.environ},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _completions(rows, answers):
    return [f"<think>Let me compute.</think> <answer>{a}</answer>" for a in answers]


def test_cli_writes_rows_that_score_scores(tmp_path):
    out = tmp_path / "x.jsonl"
    proc = _cli("dataset", "reasoning-gym:basic_arithmetic", "--param", "size=50", "--output", str(out))
    assert "wrote 50 rows of reasoning-gym:basic_arithmetic" in proc.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 50 and all(set(r) == {"prompt", "answer", "metadata", "data_source"} for r in rows)
    answers = [r["answer"] if i % 2 == 0 else f"{r['answer']}0" for i, r in enumerate(rows)]
    scored_in = tmp_path / "completions.jsonl"
    scored_in.write_text(
        "".join(json.dumps({**r, "completion": c}) + "\n" for r, c in zip(rows, _completions(rows, answers)))
    )
    scored = _cli("score", "--rewards", "reasoning_gym", "--input", str(scored_in)).stdout
    values = [json.loads(line)["rewards"]["reasoning_gym"] for line in scored.splitlines()]
    assert values == [1.0, 0.0] * 25


def test_cli_verl_layout_carries_what_a_verl_adapter_needs(tmp_path):
    out = tmp_path / "x.parquet"
    _cli(
        "dataset", "reasoning-gym:basic_arithmetic,chain_sum", "--param", "size=6", "--output", str(out),
        "--layout", "verl", "--system-prompt", "Answer inside <answer></answer>.",
    )  # fmt: skip
    import pyarrow.parquet as pq

    rows = pq.read_table(out).to_pylist()
    assert [r["data_source"] for r in rows] == [
        "reasoning-gym:basic_arithmetic",
        "reasoning-gym:chain_sum",
    ] * 3
    for i, row in enumerate(rows):
        assert set(row) == {"data_source", "prompt", "reward_model", "extra_info"}
        assert [m["role"] for m in row["prompt"]] == ["system", "user"]
        assert row["reward_model"]["style"] == "rule"
        assert row["reward_model"]["ground_truth"] == row["extra_info"]["answer"]
        assert json.loads(row["extra_info"]["metadata"])["source_dataset"] in (
            "basic_arithmetic",
            "chain_sum",
        )
        assert row["extra_info"]["index"] == i and row["extra_info"]["split"] == "train"

    # What a veRL adapter does: the response is the completion, extra_info's keys become columns and
    # the ground truth fills the gold column (`answer`, the reward's answer_column).
    suite = SuiteSpec.from_options(rewards="reasoning_gym").build()
    answers = [r["reward_model"]["ground_truth"] if i % 3 else "0.5" for i, r in enumerate(rows)]
    scored = suite.score_rows(
        [
            {
                "completion": f"<think>.</think> \\boxed{{{a}}}",
                **r["extra_info"],
                "answer": r["reward_model"]["ground_truth"],
            }
            for r, a in zip(rows, answers)
        ]
    )
    assert [s.rewards["reasoning_gym"] for s in scored.rows] == [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
