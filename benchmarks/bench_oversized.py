"""Benchmark: what a 50 MB completion costs in the calling process, bounded and unbounded.

Every reward refuses a completion over ``max_completion_chars`` (default 1,000,000) before any
parsing. This measures, in one run:

1. **A direct reward call** (TRL's keyword call) on one 50 MB completion (``</think>`` near the start,
   so that the answer region is the whole text: the worst case), plain and as a chat message, for
   every built-in reward: bounded (the default) against a normal 1 KB completion, and, as the
   baseline, unbounded (``max_completion_chars`` raised above the size) for the rewards where that
   finishes in reasonable time;
2. **``python -m verifiers_core score``** end to end on a file of 4 normal rows plus one 50 MB row,
   against the same file with that row 1 KB long (process start, reading and parsing the line, and
   writing the row back are inherent: the row is copied to the output).

    .venv/bin/python benchmarks/bench_oversized.py [--mb 50] [--no-unbounded]

Figures on a shared machine are noisy; compare the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import verifiers_core

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTS = json.dumps(
    {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "", "output": "4"}]}
)
#: Each built-in reward with the columns it reads (and parameters it needs without a tokenizer).
REWARDS = {
    "accuracy": ({"solution": ["4"]}, {}),
    "cosine": ({"solution": ["4"]}, {}),
    "format": ({}, {}),
    "tag_count": ({}, {}),
    "repetition": ({}, {}),
    "overlong": ({}, {"chars_per_token": 4.0}),
    "code": ({"verification_info": [TESTS]}, {}),
    "code_binary": ({"verification_info": [TESTS]}, {}),
    "code_format": ({}, {}),
}
#: Unbounded baselines (``cosine`` grades as ``accuracy`` does; ``repetition`` counts n-grams of it all).
UNBOUNDED = ("accuracy", "format", "tag_count", "overlong", "code", "code_binary", "code_format")


def text_of(size: int) -> str:
    return "<think>r</think> " + ("The sum is 4. " * (size // 14 + 1))[:size]


def call_seconds(name: str, completion, warm, columns: dict, **params) -> tuple[float, list]:
    reward = verifiers_core.get_reward(name, **params)
    reward(prompts=["p"], completions=[warm], **columns)  # pools started, imports done
    start = time.perf_counter()
    values = reward(prompts=["p"], completions=[completion], **columns)
    return time.perf_counter() - start, values


def direct(size: int, unbounded: bool) -> None:
    big, small = text_of(size), text_of(1024)
    print(f"direct reward call, one completion ({size / 1e6:.0f} MB vs 1 KB), seconds in the caller:")
    print(
        f"  {'reward':<12} {'shape':<8} {'50MB bounded':>13} {'1KB':>8} {'ratio':>7} {'50MB unbounded':>15}"
    )
    for name, (columns, params) in REWARDS.items():
        for shape in ("plain", "message"):
            wrap = (lambda t: t) if shape == "plain" else (lambda t: [{"role": "assistant", "content": t}])
            warm = wrap(small)
            bounded, values = call_seconds(name, wrap(big), warm, columns, **params)
            normal, _ = call_seconds(name, warm, warm, columns, **params)
            line = f"  {name:<12} {shape:<8} {bounded:>13.4f} {normal:>8.4f} {bounded / normal:>7.2f}"
            if unbounded and name in UNBOUNDED:
                raw, _ = call_seconds(name, wrap(big), warm, columns, max_completion_chars=size * 2, **params)
                line += f" {raw:>15.3f}  ({raw / bounded:.0f}x the bounded call)"
            print(line + f"   value {values[0]}")


def through_score(size: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        timings = {}
        for label, length in (("50MB row", size), ("1KB row", 1024)):
            path = os.path.join(tmp, f"{length}.jsonl")
            with open(path, "w", encoding="utf-8") as fh:
                answer = "<think>r</think> \\boxed{4}"
                for _ in range(4):
                    fh.write(json.dumps({"completion": answer, "solution": "4"}) + "\n")
                # decided without the grading pool when not refused, so both runs start the same processes
                fh.write(json.dumps({"completion": answer + " " * length, "solution": "4"}) + "\n")
            out = os.path.join(tmp, f"{length}.out.jsonl")
            cmd = [sys.executable, "-m", "verifiers_core", "score", "--rewards", "accuracy,format"]
            cmd += ["--input", path, "--output", out]
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            timings[label] = time.perf_counter() - start
            assert proc.returncode == 0, proc.stderr
            summary = [line.strip() for line in proc.stderr.splitlines() if line.startswith("  accuracy")]
            print(f"  score, 4 rows + one {label}: {timings[label]:.2f} s   {summary[0]}")
        print(
            f"  ratio: {timings['50MB row'] / timings['1KB row']:.2f} "
            f"(extra for the 50 MB row: {timings['50MB row'] - timings['1KB row']:.2f} s, reading, "
            "parsing and writing it back)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the oversized completion in MB")
    parser.add_argument("--no-unbounded", action="store_true", help="skip the unbounded baselines")
    args = parser.parse_args()
    size = args.mb * 1_000_000
    direct(size, not args.no_unbounded)
    print(f"python -m verifiers_core score (end to end, {args.mb} MB vs 1 KB row):")
    through_score(size)


if __name__ == "__main__":
    main()
