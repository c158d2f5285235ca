"""Benchmark: the ``accuracy`` reward (verifiers-math) against ``trl.rewards.accuracy_reward``.

Two batches of GRPO's shape (64 golds x 16 completions by default; see ``math_batches.py``):

- **realistic**: completions drawn from the real-generation corpus and the hard answer formats, golds as
  bare answers, about half the answers right, only the natural share of repeats;
- **easy**: the batch this benchmark used to time alone (synthetic, mostly exact repeats).

For each: one call of our reward on the whole batch, timed from a **cold** state (a fresh pool, warmed on
other golds, so every gold of the batch is parsed for the first time, as in a GRPO step), ``--repeats``
times on fresh pools (median and range; CPU seconds of this process and the workers alongside, since
wall time on a shared machine includes other people's work); then the same batch as one call per gold
(cold again, as many times), and TRL's ``accuracy_reward`` on the same batch, with the golds as they are ("raw") and
wrapped in ``$...$`` (TRL parses golds with math-verify's LaTeX extraction, which wants delimiters), each
with its count of ``None`` (rows TRL skips because it could not parse the gold). Ratios are TRL's time
over ours (wall time, and CPU time: TRL's process against ours and our workers, the figure that does not
depend on how busy the machine is). Both run from the main thread (where TRL's math-verify timeouts work).

Run from the repository root::

    .venv/bin/python benchmarks/bench_math.py                 # 64 x 16, 3 repeats
    .venv/bin/python benchmarks/bench_math.py --groups 8      # a quick run
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from math_batches import Batch, easy_batch, realistic_batch  # noqa: E402


def _cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (0 for any that is gone)."""
    from verifiers_math.scheduling import cpu_seconds

    return sum(cpu_seconds(pid) or 0.0 for pid in pids)


def _fresh_pool(reward, workers: int) -> tuple[object, float]:
    """Stop this process's pools and forget golds, then start and warm a new pool on other golds."""
    from verifiers_math import grading
    from verifiers_math.pool import get_pool, shutdown_pools

    shutdown_pools()
    grading.GOLD_MEMO.data.clear()
    start = time.perf_counter()
    pool = get_pool(workers, 1024)
    pool.warm()
    seconds = time.perf_counter() - start
    warm = easy_batch(4, 8, seed=12345)  # golds of its own: the timed batch's golds stay cold
    reward(prompts=warm.prompts, completions=warm.completions, solution=warm.golds)
    return pool, seconds


def _ours(reward, batch: Batch, workers: int, per_gold: bool = False) -> tuple[float, float, list]:
    pool, _ = _fresh_pool(reward, workers)
    pids = pool.worker_pids()
    cpu0, own0 = _cpu(pids), time.process_time()
    start = time.perf_counter()
    if per_gold:
        values: list = []
        bounds = [0] + [i for i in range(1, len(batch.golds)) if batch.golds[i] != batch.golds[i - 1]]
        for lo, hi in zip(bounds, bounds[1:] + [len(batch.golds)]):
            values += reward(
                prompts=batch.prompts[lo:hi],
                completions=batch.completions[lo:hi],
                solution=batch.golds[lo:hi],
            )
    else:
        values = reward(prompts=batch.prompts, completions=batch.completions, solution=batch.golds)
    wall = time.perf_counter() - start
    cpu = _cpu(pids) - cpu0 + time.process_time() - own0  # workers killed on the way are not counted
    return wall, cpu, values


def _trl(batch: Batch, wrapped: bool) -> tuple[float, list]:
    from trl.rewards import accuracy_reward

    conversational = [[{"role": "assistant", "content": c}] for c in batch.completions]
    golds = [f"${g}$" for g in batch.golds] if wrapped else list(batch.golds)
    start = time.perf_counter()
    values = accuracy_reward(conversational, golds)
    return time.perf_counter() - start, values


def _agreement(values: list, labels: list[float]) -> float:
    return sum((v or 0.0) == y for v, y in zip(values, labels)) / len(labels)


def _report(name: str, batch: Batch, reward, args) -> None:
    n, golds = len(batch.completions), len(set(batch.golds))
    distinct = len({(g, c.rsplit("</think>", 1)[-1]) for g, c in zip(batch.golds, batch.completions)})
    print(
        f"{name} batch: {n} completions, {args.groups} groups x {args.per_gold} ({golds} distinct golds), "
        f"{distinct} distinct answer texts"
    )
    runs = [_ours(reward, batch, args.workers) for _ in range(args.repeats)]
    walls = sorted(r[0] for r in runs)
    ours, cpu = statistics.median(walls), statistics.median(r[1] for r in runs)
    values = runs[0][2]
    print(
        f"  verifiers-math accuracy, one call:       {ours:6.2f} s  (cold, median of {args.repeats}: "
        f"{walls[0]:.2f}-{walls[-1]:.2f} s; CPU {cpu:.2f} s)  None {sum(v is None for v in values)}  "
        f"agreement {_agreement(values, batch.labels):.3f}"
    )
    split = sorted(_ours(reward, batch, args.workers, per_gold=True)[0] for _ in range(args.repeats))
    print(
        f"  verifiers-math accuracy, per-gold calls: {statistics.median(split):6.2f} s  (cold, {golds} calls, "
        f"median of {args.repeats}: {split[0]:.2f}-{split[-1]:.2f} s)"
    )
    for wrapped in (False, True):
        cpu0 = time.process_time()
        seconds, theirs = _trl(batch, wrapped)
        trl_cpu = time.process_time() - cpu0
        label = "golds in $...$" if wrapped else "raw golds     "
        print(
            f"  trl accuracy_reward, {label}:   {seconds:6.2f} s  (CPU {trl_cpu:.2f} s)  None {sum(v is None for v in theirs):4d}  "
            f"agreement {_agreement(theirs, batch.labels):.3f}  -> verifiers-math {seconds / ours:.1f}x faster "
            f"({trl_cpu / cpu:.1f}x less CPU)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, default=64, help="distinct golds (default 64)")
    parser.add_argument("--per-gold", type=int, default=16, help="completions per gold (default 16)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=3.0, help="our reward's timeout (default 3)")
    parser.add_argument(
        "--repeats", type=int, default=3, help="cold runs of our reward per batch (default 3)"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="grading processes (default: one per CPU, at most 8)"
    )
    parser.add_argument("--only", choices=("realistic", "easy"), help="run one batch only")
    args = parser.parse_args()

    logging.disable(logging.WARNING)  # math-verify warns per parse when its timeouts are off
    import trl.rewards  # noqa: F401  (imported before timing)
    from verifiers_math.pool import default_size

    import verifiers_core

    args.workers = args.workers or default_size()
    reward = verifiers_core.get_reward("accuracy", timeout=args.timeout, workers=args.workers)
    _, start = _fresh_pool(reward, args.workers)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"CPUs {os.cpu_count()}, grading workers {args.workers}, load average {load:.2f}; "
        f"pool start (once per process, not in the times below): {start:.2f} s"
    )
    if args.only in (None, "realistic"):
        _report("realistic", realistic_batch(args.groups, args.per_gold, args.seed), reward, args)
    if args.only in (None, "easy"):
        _report("easy", easy_batch(args.groups, args.per_gold, args.seed), reward, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
