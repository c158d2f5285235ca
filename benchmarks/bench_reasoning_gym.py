"""Benchmark: the ``reasoning_gym`` reward against reasoning-gym's own scorer called in-process.

The baseline is the glue TRL's and veRL's reasoning-gym examples use: the task's
``score_answer(answer, entry)`` called in the trainer's process, with ``entry`` looked up in the
in-memory dataset and the answer taken from ``<answer>`` tags by reasoning-gym's
``extract_answer``. Ours scores stateless rows (the ``answer`` and ``metadata`` columns, parsed from
JSON) in killable worker processes with the eval/parse_expr guards. Same rows, same completions,
same run; printed: both times, completions per second, the ratio, and the agreement of the two.

A GRPO-sized batch: ``--prompts`` prompts (default 64) from a mix of tasks, ``--generations``
completions each (default 8), half right, half wrong, with reasoning before the answer.

Run from the repository root::

    .venv/bin/python benchmarks/bench_reasoning_gym.py
    .venv/bin/python benchmarks/bench_reasoning_gym.py --prompts 16   # a quick run

Our pool is started and warmed on other rows before the timed batch (a training run pays the start
once; it is printed separately).
"""

from __future__ import annotations

import argparse
import json
import random
import time

TASKS = (
    "basic_arithmetic,chain_sum,countdown,letter_counting,word_sorting,simple_equations,number_sorting,gcd"
)


def _completions(rows: list[dict], generations: int, rng: random.Random) -> list[tuple[int, str]]:
    out = []
    for i, row in enumerate(rows):
        for g in range(generations):
            answer = row["answer"] if g % 2 == 0 else f"{row['answer']}9"
            steps = " ".join(f"Step {k}: consider the numbers carefully." for k in range(rng.randint(3, 12)))
            out.append((i, f"<think>{steps}</think>\n<answer>{answer}</answer>"))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=64)
    parser.add_argument("--generations", type=int, default=8)
    parser.add_argument(
        "--workers", type=int, default=0, help="our scoring processes (0: one per CPU, at most 4)"
    )
    args = parser.parse_args()

    import reasoning_gym
    from reasoning_gym.utils import extract_answer
    from verifiers_reasoning_gym.reward import ReasoningGymReward

    import verifiers_core

    rng = random.Random(0)
    rows = verifiers_core.get_dataset(f"reasoning-gym:{TASKS}", size=args.prompts, seed=0).rows
    warm = verifiers_core.get_dataset(f"reasoning-gym:{TASKS}", size=16, seed=1).rows
    batch = _completions(rows, args.generations, rng)
    print(f"{len(batch)} completions: {args.prompts} prompts x {args.generations}, tasks {TASKS}")

    # Baseline: in-process scorers and the in-memory dataset, as the index-lookup glue does.
    names = TASKS.split(",")
    datasets = {name: reasoning_gym.create_dataset(name, size=args.prompts, seed=0) for name in names}
    entries = [
        datasets[json.loads(r["metadata"])["source_dataset"]][json.loads(r["metadata"])["source_index"]]
        for r in rows
    ]
    start = time.perf_counter()
    theirs = []
    for i, text in batch:
        entry = entries[i]
        scorer = datasets[entry["metadata"]["source_dataset"]]
        theirs.append(float(scorer.score_answer(extract_answer(text), entry)))
    baseline = time.perf_counter() - start

    reward = ReasoningGymReward(workers=args.workers)
    start = time.perf_counter()
    reward(
        prompts=["p"] * len(warm),
        completions=[f"<answer>{r['answer']}</answer>" for r in warm],
        answer=[r["answer"] for r in warm],
        metadata=[r["metadata"] for r in warm],
    )
    warmup = time.perf_counter() - start
    start = time.perf_counter()
    ours = reward(
        prompts=["p"] * len(batch),
        completions=[text for _, text in batch],
        answer=[rows[i]["answer"] for i, _ in batch],
        metadata=[rows[i]["metadata"] for i, _ in batch],
    )
    elapsed = time.perf_counter() - start

    agree = sum((a >= 1.0) == (b >= 1.0) for a, b in zip(theirs, ours)) / len(batch)
    print(f"pool start and warm-up (once per run): {warmup:.2f} s")
    print(
        f"baseline (in-process score_answer, index lookup): {baseline:.3f} s, {len(batch) / baseline:,.0f} completions/s"
    )
    print(
        f"reasoning_gym reward (worker processes, guards):  {elapsed:.3f} s, {len(batch) / elapsed:,.0f} completions/s"
    )
    print(f"ratio ours/baseline: {elapsed / baseline:.1f}x the time; full-credit agreement {agree:.3f}")
    print(f"right answers scored 1.0: ours {sum(v == 1.0 for v in ours[::2]) / len(ours[::2]):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
