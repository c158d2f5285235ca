"""Benchmark: rows/s over HTTP (``python -m verifiers_core serve``) against in-process scoring of the
same rows with the same rewards, in one run, for ``accuracy`` and for ``code``.

For each reward a server is started on 127.0.0.1 (one scorer process, the rewards' default pools)
and the same rows are scored:

- in process: ``RewardSuite.score_rows`` in this process, one call per request-sized chunk, and
  one call over all rows (the larger of the two rates is the baseline);
- over HTTP: ``POST /v1/score`` from 1, 8 and 32 concurrent clients (aiohttp, as OpenRLHF's and
  slime's reward clients), each sending requests
  of ``--rows-per-request`` rows until all are scored.

Rows are like a user's: ``accuracy`` gets the math benchmark's realistic GRPO batch (real model
generations and the answer formats models write, 16 per gold; ``math_batches.realistic_batch``); ``code`` gets GRPO groups of 8 Python completions per
problem with 4 stdin tests each (right, wrong and crashing programs). Every path first scores a set
of rows untimed (pools started), then the paths take turns over ``--rounds`` rounds (fair under
background load), twice:

- **new rows every pass** (the goal's measure): each timed pass scores a set of rows drawn from the
  same generator that no path has scored before, as a trainer sends new completions at every step;
- **the same rows every pass**: the rewards' caches answer most of the work, so what is left is the
  HTTP path's own cost per row (JSON, the hop to the scorer process), at its most visible.

Printed: rows/s of each path and the HTTP rate as a share of the in-process one. Goal (issue 14): at
8 clients, at least 85% of the in-process rate for both rewards, on new rows.

    .venv/bin/python benchmarks/bench_serve.py                # both rewards
    .venv/bin/python benchmarks/bench_serve.py --reward code  # one
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from verifiers_core.processes import descendant_pids, usable_cpus

sys.path.insert(0, str(Path(__file__).resolve().parent))

CLIENTS = (1, 8, 32)


def accuracy_rows(n: int, seed: int = 7) -> list[dict]:
    """The math benchmark's realistic GRPO batch: real generations and the formats models write."""
    from math_batches import realistic_batch

    batch = realistic_batch(groups=max(1, -(-n // 16)), per_gold=16, seed=seed)
    rows = zip(batch.prompts, batch.completions, batch.golds)
    return [{"prompt": p, "completion": c, "solution": s} for p, c, s in rows][:n]


def code_rows(n: int, seed: int = 11) -> list[dict]:
    """GRPO groups: 8 completions per problem sharing 4 stdin tests."""
    rng = random.Random(seed)
    rows = []
    while len(rows) < n:
        k = rng.randint(2, 9)
        tests = [
            {"type": "stdin_stdout", "input": f"{x}", "output": f"{x * k + 1}"}
            for x in rng.sample(range(100), 4)
        ]
        info = json.dumps({"language": "python", "test_cases": tests})
        for _ in range(8):
            kind = rng.random()
            if kind < 0.5:
                body = f"n = int(input())\nprint(n * {k} + 1)"
            elif kind < 0.8:
                body = f"n = int(input())\nprint(n * {k} - 1)"
            else:
                body = "n = int(input())\nprint(undefined_name)"
            text = f"<think>multiply by {k}, add one</think>\n```python\n{body}\n```"
            rows.append({"completion": text, "verification_info": info})
    return rows[:n]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server of one reward on 127.0.0.1, stopped with SIGTERM."""

    def __init__(self, reward: str, queue_rows: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [
            sys.executable,
            "-m",
            "verifiers_core",
            "serve",
            "--rewards",
            reward,
            "--port",
            str(self.port),
        ]
        argv += ["--max-queue-rows", str(queue_rows)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if json.load(r)["status"] == "ok":
                        return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode}")
            time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not start in 180 s")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=120)


async def over_http(url: str, rows: list[dict], per_request: int, clients: int) -> float:
    """Seconds to score ``rows`` with ``clients`` concurrent clients (429s are retried).

    The client is aiohttp, as in OpenRLHF's and slime's reward clients, one connection per client.
    """
    import aiohttp

    requests = [rows[i : i + per_request] for i in range(0, len(rows), per_request)]
    todo = list(range(len(requests)))
    scored = [0]

    async def client(http: aiohttp.ClientSession) -> None:
        while todo:
            chunk = requests[todo.pop()]
            while True:
                async with http.post(url + "/v1/score", json={"rows": chunk}) as r:
                    if r.status == 429:
                        await asyncio.sleep(0.01)
                        continue
                    r.raise_for_status()
                    scored[0] += len((await r.json())["rows"])
                    break

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=600)) as http:
        start = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - start
    assert scored[0] == len(rows), (scored[0], len(rows))
    return elapsed


class CpuMeter:
    """CPU seconds used by process trees (their processes' user + system time, from ``/proc``)
    between :meth:`start` and :meth:`stop`; processes replaced meanwhile count from their start."""

    def __init__(self, *roots: int) -> None:
        self.roots = roots
        self.before: dict[int, float] = {}

    def _tree(self) -> list[int]:
        return [pid for root in self.roots for pid in (root, *descendant_pids(root))]

    @staticmethod
    def _cpu(pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def start(self) -> None:
        self.before = {pid: self._cpu(pid) for pid in self._tree()}

    def stop(self) -> float:
        return sum(self._cpu(pid) - self.before.get(pid, 0.0) for pid in self._tree())


def in_process(suite, rows: list[dict], per_request: int | None) -> float:
    start = time.perf_counter()
    if per_request is None:
        suite.score_rows(rows, errors="count")
    else:
        for i in range(0, len(rows), per_request):
            suite.score_rows(rows[i : i + per_request], errors="count")
    return time.perf_counter() - start


def bench(reward: str, n: int, per_request: int, rounds: int, fresh: bool) -> dict[str, float]:
    """Rows/s per path. ``fresh``: every timed pass scores rows no path has scored before (drawn
    from the same generator, as a trainer sends new completions each step); otherwise every pass
    scores the same rows again (the rewards' caches answer most of it: the HTTP path's own cost
    per row, at its most visible)."""
    from verifiers_core.suite import SuiteSpec

    make = accuracy_rows if reward == "accuracy" else code_rows
    suite = SuiteSpec.from_options(rewards=reward).build()
    for r in suite.rewards:
        getattr(r, "warm", lambda: None)()
    server = Server(reward, queue_rows=max(4096, 2 * n))
    paths = ["in-process, one call per request", "in-process, one call for all rows"] + [
        f"HTTP, {c} client{'s' if c > 1 else ''}" for c in CLIENTS
    ]
    seeds = iter(range(1000, 1000 + 1 + rounds * len(paths)))
    rows = make(n, seed=next(seeds))

    def next_rows() -> list[dict]:
        return make(n, seed=next(seeds)) if fresh else rows

    seconds = dict.fromkeys(paths, 0.0)
    cpu = dict.fromkeys(paths, 0.0)  # CPU seconds of every process involved (this one included)
    meter = CpuMeter(os.getpid())  # this process's tree: its own pools, the server, its scorers, theirs
    try:
        in_process(suite, rows, None)  # untimed: pools started (and, for repeated rows, caches warm)
        asyncio.run(over_http(server.url, rows, per_request, 8))
        for _ in range(rounds):
            for path, per in zip(paths[:2], (per_request, None)):
                meter.start()
                seconds[path] += in_process(suite, next_rows(), per)
                cpu[path] += meter.stop()
            for c, path in zip(CLIENTS, paths[2:]):
                meter.start()
                seconds[path] += asyncio.run(over_http(server.url, next_rows(), per_request, c))
                cpu[path] += meter.stop()
    finally:
        server.stop()
    return {path: (rounds * n / s, 1000 * cpu[path] / (rounds * n)) for path, s in seconds.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reward", choices=["accuracy", "code", "both"], default="both")
    parser.add_argument(
        "--rows", type=int, default=0, help="rows per round (default: 1024 accuracy, 512 code)"
    )
    parser.add_argument("--rows-per-request", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"cores: {usable_cpus()}; load average before: {os.getloadavg()[0]:.2f}; rows per request: {args.rows_per_request}"
    )
    verdicts = []
    for reward in ("accuracy", "code") if args.reward == "both" else (args.reward,):
        n = args.rows or (1024 if reward == "accuracy" else 512)
        for fresh in (True, False):
            measured = bench(reward, n, args.rows_per_request, args.rounds, fresh)
            rates = {path: rate for path, (rate, _) in measured.items()}
            best = max(
                ("in-process, one call per request", "in-process, one call for all rows"), key=rates.get
            )
            baseline = rates[best]
            kind = "new rows every pass" if fresh else "the same rows every pass (cache-bound)"
            print(f"\n{reward}: {n} rows x {args.rounds} rounds, {kind}")
            for path, (rate, cpu_ms) in measured.items():
                share = "" if path.startswith("in-process") else f"  {rate / baseline:6.1%} of in-process"
                print(f"  {path:<36} {rate:9.1f} rows/s  {cpu_ms:6.3f} ms CPU/row{share}")
            http_cpu = measured["HTTP, 8 clients"][1]
            print(
                f"  CPU per row, every process: in-process {measured[best][1]:.3f} ms, HTTP at 8 clients "
                f"{http_cpu:.3f} ms -> with every core busy, HTTP reaches at most "
                f"{measured[best][1] / http_cpu:.1%} of the in-process rate"
            )
            at8 = rates["HTTP, 8 clients"] / baseline
            goal = " (goal >= 85%)" if fresh else ""
            verdicts.append(f"{reward}, {kind}: HTTP at 8 clients = {at8:.1%} of the in-process rate{goal}")
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    for line in verdicts:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
