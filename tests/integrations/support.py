"""Rows and helpers shared by the integration tests: GSM8K-style math rows and code rows, each
with the completion, the gold (veRL's ``ground_truth``) and extra columns."""

from __future__ import annotations

import json
from typing import Any

#: The selection every adapter is tested with: math, format and code in one run.
REWARDS = "accuracy,format,code"
WEIGHTS = "1,0.5,1"
REWARD_ARGS = "accuracy.workers=1 accuracy.timeout=10 code.workers=1 code.timeout=5"
ENV = {
    "VERIFIERS_CORE_REWARDS": REWARDS,
    "VERIFIERS_CORE_REWARD_WEIGHTS": WEIGHTS,
    "VERIFIERS_CORE_REWARD_ARGS": REWARD_ARGS,
}
OPTIONS = {"rewards": REWARDS, "reward_weights": WEIGHTS, "reward_args": REWARD_ARGS}

QUESTION = (
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
    "How many clips did Natalia sell altogether in April and May?"
)
DOUBLE = json.dumps(
    {
        "language": "python",
        "test_cases": [
            {"type": "stdin_stdout", "input": "2\n", "output": "4\n"},
            {"type": "stdin_stdout", "input": "5\n", "output": "10\n"},
        ],
    }
)
CODE_QUESTION = "Read an integer n and print 2*n."
GOOD_PROGRAM = "<think>double it</think>\n```python\nprint(int(input()) * 2)\n```"
HALF_PROGRAM = "<think>special case</think>\n```python\nn = int(input())\nprint(4 if n == 2 else n)\n```"

#: (question, completion, gold, extra columns): GSM8K-style rows, then code rows.
SAMPLES: list[tuple[str, Any, str, dict[str, Any]]] = [
    (QUESTION, "<think>48/2 = 24 in May; 48 + 24 = 72</think> The answer is \\boxed{72}.", "72", {}),
    (QUESTION, "<think>48 + 48 = 96</think> \\boxed{96}", "72", {}),
    (QUESTION, "48 + 24 = 72, so \\boxed{72}", "72", {}),  # right, but no think block
    (QUESTION, "<think>48/2 = 24, and then \\boxed{72} and I keep going", "72", {}),  # cut off
    (CODE_QUESTION, GOOD_PROGRAM, DOUBLE, {"split": "test"}),
    (CODE_QUESTION, HALF_PROGRAM, DOUBLE, {"split": "test"}),
    (CODE_QUESTION, "<think>hmm</think> no program here", DOUBLE, {"split": "test"}),
]


def jsonl_rows() -> list[dict[str, Any]]:
    """The same samples as ``python -m verifiers_core score`` rows: every gold column filled."""
    rows = []
    for question, completion, gold, extra in SAMPLES:
        rows.append(
            {
                "prompt": question,
                "completion": completion,
                "solution": gold,
                "verification_info": gold,
                **extra,
            }
        )
    return rows


def values_only(sample: dict[str, float]) -> dict[str, float]:
    """The per-reward values of an adapter's per-sample dict."""
    return {k: sample[k] for k in ("accuracy", "format", "code")}
