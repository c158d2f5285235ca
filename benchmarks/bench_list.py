"""Time `python -m verifiers_core list` with every built-in plugin installed.

Baseline, in the same run: a bare `python -c pass` (the interpreter's own start-up), so the ratio
says what listing rewards costs on top of starting Python at all.

    .venv/bin/python benchmarks/bench_list.py [--runs 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time


def time_command(args: list[str], runs: int) -> float:
    """Median wall time of ``args`` over ``runs`` runs, in seconds (after one warm-up run)."""
    subprocess.run(args, check=True, capture_output=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    listed = json.loads(
        subprocess.run(
            [sys.executable, "-m", "verifiers_core", "list", "--json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    plugins = sorted({row["plugin"] for row in listed})
    print(f"plugins: {', '.join(plugins)}; rewards: {sum(1 for r in listed if r['status'] == 'ok')}")
    baseline = time_command([sys.executable, "-c", "pass"], args.runs)
    table = time_command([sys.executable, "-m", "verifiers_core", "list"], args.runs)
    as_json = time_command([sys.executable, "-m", "verifiers_core", "list", "--json"], args.runs)
    print(f"python -c pass (baseline)       {baseline * 1000:7.1f} ms")
    print(f"python -m verifiers_core list   {table * 1000:7.1f} ms  ({table / baseline:.1f}x the baseline)")
    print(
        f"  ... list --json               {as_json * 1000:7.1f} ms  ({as_json / baseline:.1f}x the baseline)"
    )


if __name__ == "__main__":
    main()
