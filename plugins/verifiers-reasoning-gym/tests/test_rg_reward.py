"""The ``reasoning_gym`` reward: answer region, credit modes, unusable rows, hostile answers, isolation."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import time

import pytest
from verifiers_reasoning_gym.extract import extract_answer
from verifiers_reasoning_gym.pool import get_pool
from verifiers_reasoning_gym.reward import ReasoningGymReward

import verifiers_core


def _row(task, **config):
    return verifiers_core.get_dataset(f"reasoning-gym:{task}", size=1, seed=0, **config).rows[0]


def _score(reward, row, completions, prompts=None):
    n = len(completions)
    counts = {}

    def log_metric(name, value):
        counts[name] = value

    values = reward(
        prompts=prompts or ["p"] * n,
        completions=completions,
        answer=[row["answer"]] * n,
        metadata=[row["metadata"]] * n,
        log_metric=log_metric,
    )
    return values, counts


@pytest.fixture(scope="module")
def reward():
    return ReasoningGymReward(timeout=3.0)


@pytest.mark.parametrize(
    ("region", "answer"),
    [
        (" <answer>12</answer>", "12"),
        (" first <answer>1</answer> then <answer> 12 </answer>", "12"),
        (" <answer>12", "12"),  # never closed: the rest of the text
        (" so \\boxed{12}.", "12"),
        (" <answer>\\boxed{12}</answer>", "12"),
        (" \\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
        ("\n12\n", "12"),
    ],
)
def test_the_answer_is_read_from_the_final_answer_region(region, answer):
    assert extract_answer(region) == answer


def test_answer_forms_and_the_answer_region_rule(reward):
    row = _row("basic_arithmetic")
    gold = row["answer"]
    completions = [
        f"<think>compute</think> <answer>{gold}</answer>",
        f"<think>compute</think> The result is \\boxed{{{gold}}}.",
        f"<think>compute</think> {gold}",
        f"<think>compute <answer>{gold}</answer>",  # cut off in its reasoning: no answer
        f"<think>I think it is <answer>{gold}</answer></think> <answer>{int(gold) + 1}</answer>",
        [{"role": "assistant", "content": f"<think>c</think><answer>{gold}</answer>"}],
        "<think>compute</think>   ",
    ]
    values, counts = _score(reward, row, completions)
    assert values == [1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    assert counts["reasoning_gym/no_answer"] == 1 and counts["reasoning_gym/empty_answers"] == 1
    # the prompt opened <think>: a completion that never closes it has no answer
    opened, _ = _score(reward, row, [f"reasoning, <answer>{gold}</answer>"], prompts=["Q <think>\n"])
    assert opened == [0.0]


def test_credit_modes_on_a_graded_task():
    row = _row("letter_jumble")
    words = row["answer"].split()
    half = " ".join(words[: len(words) // 2] + ["zzzz"] * (len(words) - len(words) // 2))
    completions = [
        f"<think>.</think><answer>{row['answer']}</answer>",
        f"<think>.</think><answer>{half}</answer>",
    ]
    binary, _ = _score(ReasoningGymReward(), row, completions)
    task, _ = _score(ReasoningGymReward(credit="task"), row, completions)
    assert binary == [1.0, 0.0]
    assert task[0] == 1.0 and 0.0 < task[1] < 1.0  # the task's own partial credit, kept on request


def test_config_dependent_scorers_are_rebuilt_from_the_row(reward):
    # puzzle24's scorer checks the numbers against the configured range: the row carries it
    row = _row("puzzle24", min_value=5, max_value=9)
    assert json.loads(row["metadata"])["source_config"] == {"min_value": 5, "max_value": 9}
    values, _ = _score(reward, row, [f"<think>.</think><answer>{row['answer']}</answer>"])
    assert values == [1.0]
    # the same row with its configuration dropped is judged by the default range (1..10), still right
    metadata = json.loads(row["metadata"])
    metadata["source_config"] = {"min_value": 20, "max_value": 30}
    altered = {**row, "metadata": json.dumps(metadata)}
    values, _ = _score(reward, altered, [f"<think>.</think><answer>{row['answer']}</answer>"])
    assert values == [0.0]  # numbers outside the row's configured range


def test_unusable_rows_score_none_and_are_counted(reward):
    row = _row("basic_arithmetic")
    good = f"<think>.</think><answer>{row['answer']}</answer>"
    bad_json = {**row, "metadata": "{not json"}
    unknown = {**row, "metadata": json.dumps({"source_dataset": "no_such_task"})}
    no_gold = {**row, "answer": None}
    counts = {}
    values = reward(
        prompts=["p"] * 4,
        completions=[good] * 4,
        answer=[r["answer"] for r in (row, bad_json, unknown, no_gold)],
        metadata=[r["metadata"] for r in (row, bad_json, unknown, no_gold)],
        log_metric=lambda name, value: counts.__setitem__(name, value),
    )
    assert values == [1.0, None, None, None]
    assert counts["reasoning_gym/bad_rows"] == 3


@pytest.mark.parametrize(
    ("task", "attack"),
    [
        ("n_queens", "__import__('os').system('touch {marker}')"),  # n_queens evals the answer
        ("binary_matrix", "[__import__('os').system('touch {marker}')]"),
        ("countdown", "__import__('os').system('touch {marker}')"),  # sympy's parse_expr evals too
        ("simple_integration", "exec(chr(111)) + x"),
        ("polynomial_multiplication", "open(chr(47)).read()"),
    ],
)
def test_hostile_answers_do_not_run(task, attack, reward, tmp_path):
    marker = tmp_path / "ran"
    row = _row(task)
    values, counts = _score(reward, row, [f"<think>.</think><answer>{attack.format(marker=marker)}</answer>"])
    assert values == [0.0]
    assert not marker.exists()


def test_an_answer_that_hangs_is_killed_and_the_others_still_score(reward):
    row = _row("countdown")
    bomb = "9**9**9**9**9"  # sympy evaluates it in C code: only killing the process stops it
    good = f"<think>.</think><answer>{row['answer']}</answer>"
    fast = ReasoningGymReward(timeout=1.0, workers=1)
    start = time.monotonic()
    values, counts = _score(fast, row, [good, f"<think>.</think><answer>{bomb}</answer>", good])
    assert values == [1.0, 0.0, 1.0]
    assert counts["reasoning_gym/timeouts"] == 1
    assert time.monotonic() - start < 30
    # the pool replaced the killed worker and goes on
    assert _score(fast, row, [good])[0] == [1.0]


def test_the_reward_pickles_and_scores_in_another_process(reward, tmp_path):
    row = _row("chain_sum")
    script = tmp_path / "child.py"
    script.write_text(
        "import pickle, sys, json\n"
        "reward = pickle.loads(sys.stdin.buffer.read())\n"
        f"row = json.loads({json.dumps(json.dumps(row))})\n"
        "print(json.dumps(reward(prompts=['p'], completions=['<think>.</think><answer>' + row['answer'] + '</answer>'],"
        " answer=[row['answer']], metadata=[row['metadata']])))\n"
    )
    proc = subprocess.run(
        [sys.executable, str(script)], input=pickle.dumps(reward), capture_output=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    assert json.loads(proc.stdout) == [1.0]


def test_scoring_imports_neither_reasoning_gym_nor_sympy_in_the_caller(tmp_path):
    row = _row("basic_arithmetic")
    data = tmp_path / "rows.jsonl"
    data.write_text(
        json.dumps({**row, "completion": f"<think>.</think><answer>{row['answer']}</answer>"}) + "\n"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "verifiers_core", "score", "--rewards", "reasoning_gym", "--input", str(data)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout)["rewards"] == {"reasoning_gym": 1.0}
    imported = {
        line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")
    }
    assert "verifiers_reasoning_gym.pool" in imported  # the check would be empty otherwise
    assert not {m for m in imported if m.split(".")[0] in {"reasoning_gym", "sympy", "torch"}}


def test_no_worker_is_left_behind():
    pool = get_pool(1, 2048)
    pool.run(
        [
            {
                "task": "chain_sum",
                "answer": "1",
                "gold": "1",
                "metadata": {"source_dataset": "chain_sum"},
                "credit": "binary",
            }
        ],
        10.0,
    )
    pids = pool.pids()
    assert pids
    pool.close()
    time.sleep(0.2)
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"
