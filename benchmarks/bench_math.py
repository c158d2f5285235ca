"""Benchmark: the ``accuracy`` reward (verifiers-math) against ``trl.rewards.accuracy_reward``.

One GRPO-sized batch: 1024 completions, 64 gold answers (half GSM8K-style ``... #### N``, half
MATH-style solutions ending in ``\\boxed{...}``), 16 completions per gold, in the answer formats
models produce (boxed, ``#### N``, "The answer is ...", plain sentences, equivalent forms, wrong
answers, cut-off ``<think>`` blocks). Both rewards score the same batch in the same run, from the
main thread (where TRL's math-verify timeouts work). Printed: both times, the ratio, and how often
each agrees with the generator's own labels.

Run from the repository root::

    .venv/bin/python benchmarks/bench_math.py            # 1024 completions
    .venv/bin/python benchmarks/bench_math.py --groups 8 # a quick run

Our reward's pool is started (and its start timed) before the timed batch, and warmed on a
separate small batch with other golds: the timed batch parses every gold for the first time, as
a GRPO step does. TRL gets the same warm-up batch.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import random
import sys
import time
from fractions import Fraction

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

NAMES = ["Natalia", "Weng", "Betty", "Julie", "James", "Mark", "Albert", "Ken", "Alexis", "Tina"]
THINGS = ["clips", "pages", "eggs", "pens", "cookies", "marbles", "stickers", "apples"]


def _reasoning(rng: random.Random) -> str:
    """A few hundred characters of plausible working."""
    steps = []
    for _ in range(rng.randint(3, 9)):
        a, b = rng.randint(2, 99), rng.randint(2, 99)
        steps.append(
            rng.choice(
                [
                    f"First, {a} + {b} = {a + b}.",
                    f"Then multiply: {a} \\times {b} = {a * b}.",
                    f"Let me double-check {a} - {b} = {a - b}.",
                    f"So we have $\\frac{{{a}}}{{{b}}}$ of the total, hmm.",
                    f"Wait, {a} items at {b} each is {a * b}.",
                ]
            )
        )
    return " ".join(steps)


def _gsm_problem(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """A GSM8K-style gold and (correct forms, wrong forms) of its answer."""
    name, thing = rng.choice(NAMES), rng.choice(THINGS)
    a, b, c = rng.randint(3, 60), rng.randint(2, 40), rng.randint(1, 500)
    ab = a * b
    answer = ab + c if rng.random() < 0.7 else ab * c
    op = "+" if answer == ab + c else "*"
    gold = (
        f"{name} buys {b} packs of {a} {thing}, so {a}*{b} = <<{a}*{b}={ab}>>{ab} {thing}.\n"
        f"Then {ab}{op}{c} = <<{ab}{op}{c}={answer}>>{answer}.\n#### {answer}"
    )
    right = [str(answer)]
    if answer >= 1000:
        right.append(f"{answer:,}")
    right.append(f"{answer}.00" if rng.random() < 0.3 else str(answer))
    wrong = [str(answer + rng.choice([-10, -1, 1, 2, 100])), str(ab), str(c), str(answer * 10)]
    return gold, right, [w for w in wrong if int(w) != answer]


def _math_problem(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """A MATH-style solution ending in a boxed answer, and right/wrong forms of that answer."""
    kind = rng.choice(["frac", "sqrt", "interval", "poly", "tuple", "pi", "int"])
    if kind == "frac":
        q = rng.choice([3, 4, 5, 6, 7, 8, 9, 12])
        p = rng.choice([k for k in range(1, 3 * q) if math.gcd(k, q) == 1])
        box = f"\\frac{{{p}}}{{{q}}}"
        right = [box, f"\\dfrac{{{2 * p}}}{{{2 * q}}}", f"{p}/{q}"]
        if q in (4, 5, 8):
            right.append(str(float(Fraction(p, q))))
        wrong = [f"\\frac{{{q}}}{{{p}}}", f"\\frac{{{p + 1}}}{{{q}}}", str(p)]
        if Fraction(f"{p / q:.2f}") != Fraction(p, q):  # a rounded decimal is wrong only if inexact
            wrong.append(f"{p / q:.2f}")
    elif kind == "sqrt":
        k, m = rng.randint(2, 9), rng.choice([2, 3, 5, 6, 7, 10])
        box = f"{k}\\sqrt{{{m}}}"
        right = [box, f"\\sqrt{{{k * k * m}}}", f"{k}\\sqrt {m}"]
        wrong = [f"{k}\\sqrt{{{m + 1}}}", f"\\sqrt{{{k * m}}}", str(k * m), f"{k + 1}\\sqrt{{{m}}}"]
    elif kind == "interval":
        a = rng.randint(-9, 3)
        b = a + rng.randint(1, 9)
        box = f"[{a}, {b})"
        right = [box, f"[{a},{b})", f"\\left[{a}, {b}\\right)"]
        wrong = [f"({a}, {b})", f"[{a}, {b}]", f"({a}, {b}]", f"[{a}, {b + 1})"]
    elif kind == "poly":
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        box = f"x^2 + {a + b}x + {a * b}"
        right = [box, f"(x+{a})(x+{b})", f"{a * b} + {a + b}x + x^2"]
        wrong = [f"x^2 + {a * b}x + {a + b}", f"(x-{a})(x-{b})", f"x^2 + {a + b}x"]
    elif kind == "tuple":
        a, b = rng.randint(-9, 9), rng.randint(-9, 9)
        if a == b:
            b += 1
        box = f"({a}, {b})"
        right = [box, f"({a},{b})", f"\\left({a}, {b}\\right)"]
        wrong = [f"({b}, {a})", f"({a}, {-b})", f"({a + 1}, {b})"]
    elif kind == "pi":
        k = rng.randint(2, 30)
        box = f"{k}\\pi"
        right = [box, f"\\pi \\cdot {k}", f"{k} \\pi"]
        wrong = [f"{k + 1}\\pi", str(k), f"{2 * k}\\pi", f"{k * 3.14:.2f}"]
    else:
        n = rng.randint(2, 2000)
        box = str(n)
        right = [box, f"{n}"]
        wrong = [str(n + 1), str(n - 1), str(2 * n)]
    gold = f"We simplify step by step. {_reasoning(rng)} Therefore the answer is $\\boxed{{{box}}}$."
    return gold, right, wrong


def _completion(rng: random.Random, answer: str, gsm: bool) -> str:
    """A completion that states ``answer`` in one of the common formats."""
    think = f"<think>\n{_reasoning(rng)}\n</think>\n"
    style = rng.random()
    if style < 0.55:
        return f"{think}So the final answer is $\\boxed{{{answer}}}$."
    if gsm and style < 0.68:
        return f"{think}{_reasoning(rng)}\n#### {answer}"
    if style < 0.82:
        return f"{think}The answer is {answer}." if gsm else f"{think}The final answer is ${answer}$."
    if style < 0.92:
        return (
            f"{think}Putting it together, we get {answer}"
            if gsm
            else f"{think}Putting it together: ${answer}$"
        )
    return f"<think>{_reasoning(rng)} so maybe \\boxed{{{answer}}}"  # cut off: no answer


def make_batch(groups: int, per_gold: int, seed: int) -> tuple[list[str], list[str], list[float]]:
    """``groups`` golds (alternating GSM8K/MATH style) with ``per_gold`` completions each."""
    rng = random.Random(seed)
    completions, solutions, labels = [], [], []
    for g in range(groups):
        gsm = g % 2 == 0
        gold, right, wrong = _gsm_problem(rng) if gsm else _math_problem(rng)
        for _ in range(per_gold):
            correct = rng.random() < 0.45
            answer = rng.choice(right if correct else wrong)
            text = _completion(rng, answer, gsm)
            completions.append(text)
            solutions.append(gold)
            labels.append(1.0 if correct and "</think>" in text else 0.0)
    return completions, solutions, labels


def _start_costs(pool) -> dict[str, float]:
    """Seconds to get one more ready worker, by start method (median of a few)."""
    import importlib
    import multiprocessing
    import statistics

    def median(fn, n: int = 5) -> float:
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    def zygote_fork() -> None:
        worker = pool._fork()  # a fork of the warm zygote, until its hello
        worker.conn.recv_bytes()
        worker.kill()

    def start(ctx) -> None:
        p = ctx.Process(target=importlib.import_module, args=("math_verify",))
        p.start()
        p.join()

    forkserver = multiprocessing.get_context("forkserver")
    forkserver.set_forkserver_preload(["math_verify"])
    start(forkserver)  # starts the fork server itself
    spawn = multiprocessing.get_context("spawn")
    return {
        "zygote fork (ours)": median(zygote_fork),
        "forkserver, math-verify preloaded": median(lambda: start(forkserver)),
        "spawn (fresh interpreter imports math-verify)": median(lambda: start(spawn), 3),
    }


def _agreement(values: list, labels: list[float]) -> float:
    return sum((v or 0.0) == y for v, y in zip(values, labels)) / len(labels)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, default=64, help="distinct golds (default 64)")
    parser.add_argument("--per-gold", type=int, default=16, help="completions per gold (default 16)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=3.0, help="our reward's timeout (default 3)")
    parser.add_argument("--skip-start-methods", action="store_true", help="do not time worker start methods")
    args = parser.parse_args()

    logging.disable(logging.WARNING)  # math-verify warns per parse when timeouts are off
    from trl.rewards import accuracy_reward
    from verifiers_math.pool import default_size, get_pool

    import verifiers_core

    completions, solutions, labels = make_batch(args.groups, args.per_gold, args.seed)
    warm_c, warm_s, _ = make_batch(4, 4, args.seed + 1)
    conversational = [[{"role": "assistant", "content": c}] for c in completions]
    warm_conv = [[{"role": "assistant", "content": c}] for c in warm_c]
    n = len(completions)
    workers = default_size()
    print(
        f"batch: {n} completions, {args.groups} golds x {args.per_gold}; CPUs {os.cpu_count()}, workers {workers}"
    )

    reward = verifiers_core.get_reward("accuracy", timeout=args.timeout)
    t = time.perf_counter()
    pool = get_pool(workers, 1024)
    pool.warm()
    pool_start = time.perf_counter() - t
    reward(prompts=["p"] * len(warm_c), completions=warm_c, solution=warm_s)
    accuracy_reward(warm_conv, warm_s)

    t = time.perf_counter()
    ours = reward(prompts=["p"] * n, completions=completions, solution=solutions)
    ours_s = time.perf_counter() - t

    t = time.perf_counter()
    theirs = accuracy_reward(conversational, solutions)
    trl_s = time.perf_counter() - t

    print(f"pool start (once per process, before the timed batch): {pool_start:.2f} s")
    print(f"verifiers-math accuracy: {ours_s:.2f} s  ({1000 * ours_s / n:.2f} ms/completion)")
    print(f"trl accuracy_reward:     {trl_s:.2f} s  ({1000 * trl_s / n:.2f} ms/completion)")
    print(f"speed-up: {trl_s / ours_s:.1f}x")
    print(
        f"agreement with the generator's labels: verifiers-math {_agreement(ours, labels):.3f}, "
        f"trl {_agreement(theirs, labels):.3f}; None: ours {sum(v is None for v in ours)}, "
        f"trl {sum(v is None for v in theirs)}"
    )
    if not args.skip_start_methods:
        print("one more ready worker (replacing a killed one), median:")
        for method, seconds in _start_costs(pool).items():
            print(f"  {method}: {1000 * seconds:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
