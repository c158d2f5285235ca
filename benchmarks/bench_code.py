"""Benchmark of the code reward's sandbox against a fresh ``python3`` subprocess per test.

Runs 1000 tests of trivial programs and 1000 tests of programs doing about 10 ms of work, through
the ``code`` reward (warm bubblewrap sandboxes, one per core, a fork per test, verdict in the
parent) and through a fresh ``python3`` subprocess per test (as many in flight as there are cores),
in the same run, and prints tests per second and the ratio. For the 10 ms programs it also prints
what the cores can do at all: ``cores / (time of one run of the work in a warm interpreter)``.

    .venv/bin/python benchmarks/bench_code.py [--tests 1000] [--per-completion 10]

Goals (issue 5): >= 4x the subprocess rate on trivial tests; on 10 ms programs >= 75% of what the
cores can do.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from verifiers_core.processes import child_pids, usable_cpus

TRIVIAL = "n = int(input())\nprint(n + 1)\n"
WORK = "n = int(input())\ns = 0\nfor i in range({loops}):\n    s += i * i\nprint(n + 1)\n"


def _exec_work(loops: int) -> str:
    """Source that runs the ~10 ms program's body (module-level code, as in the test) in a loop."""
    body = WORK.format(loops=loops).replace("n = int(input())", "n = 1").replace("print(n + 1)", "")
    return f"import time, sys\nCODE = compile({body!r}, 'work', 'exec')\n"


def calibrate(python: str, target: float = 0.010) -> tuple[int, float]:
    """Loop count giving ``target`` seconds of the program's module-level work, and its median time."""
    probe = (
        "import time\n"
        "def run(k):\n"
        "    code = compile(f'n = 1\\ns = 0\\nfor i in range({k}):\\n    s += i * i\\n', 'w', 'exec')\n"
        "    t = time.perf_counter(); exec(code, {}); return time.perf_counter() - t\n"
        "k = 20000\n"
        "while run(k) < 0.05:\n    k *= 2\n"
        f"k = int(k * {target} / run(k))\n"
        "runs = sorted(run(k) for _ in range(31))\n"
        "print(k, runs[15])\n"
    )
    out = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), float(out[1])


def run_warm(loops: int, n: int, python: str, parallel: int) -> tuple[float, float]:
    """What the cores can do at all: ``parallel`` warm interpreters run the work back to back.

    Returns (runs per second, CPU seconds per run)."""
    src = _exec_work(loops) + (
        "sys.stdin.readline()\n"
        "t = time.process_time()\n"
        f"for _ in range({n // parallel}):\n    exec(CODE, {{}})\n"
        "print(time.process_time() - t)\n"
    )
    procs = [
        subprocess.Popen([python, "-c", src], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _ in range(parallel)
    ]
    time.sleep(0.5)  # all started and waiting
    start = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    cpu = sum(float(proc.communicate()[0]) for proc in procs)
    elapsed = time.perf_counter() - start
    runs = (n // parallel) * parallel
    return runs / elapsed, cpu / runs


class SandboxRunner:
    """The ``code`` reward with its warm pool; :meth:`elapsed` times ``n`` tests of one program."""

    def __init__(self, program: str, per_completion: int, workers: int) -> None:
        from verifiers_code.rewards import CodeReward

        self.reward = CodeReward(workers=workers, timeout=5.0, max_timeouts=0)
        self.reward.__name__ = "code"
        self.completion = f"```python\n{program}```"
        self.per_completion = per_completion
        self.info = json.dumps(
            {
                "language": "python",
                "test_cases": [
                    {"type": "stdin_stdout", "input": f"{i}\n", "output": f"{i + 1}\n"}
                    for i in range(per_completion)
                ],
            }
        )
        self.cpu = 0.0  # CPU seconds used by the sandboxes (supervisors and tests) and this process
        self.elapsed(per_completion * workers)  # start the workers
        self.cpu = 0.0

    def _sandbox_cpu(self) -> float:
        total = 0.0
        for worker in self.reward.pool._workers:
            if worker.proc is None:
                continue
            for pid in [worker.proc.pid, *child_pids(worker.proc.pid)]:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        return total

    def elapsed(self, n: int) -> float:
        k = max(1, n // self.per_completion)
        cpu0, own0 = self._sandbox_cpu(), sum(os.times()[:2])
        start = time.perf_counter()
        scores = self.reward(
            prompts=["p"] * k, completions=[self.completion] * k, verification_info=[self.info] * k
        )
        elapsed = time.perf_counter() - start
        self.cpu += self._sandbox_cpu() - cpu0 + sum(os.times()[:2]) - own0
        if scores != [1.0] * k:
            raise SystemExit(f"the sandbox graded a correct program wrong: {scores[:10]}")
        return elapsed

    def close(self) -> None:
        self.reward.pool.close()


def subprocess_elapsed(program: str, n: int, python: str, parallel: int) -> float:
    """Seconds for ``n`` tests with a fresh ``python3`` per test, ``parallel`` in flight."""

    def one(i: int) -> bool:
        proc = subprocess.run(
            [python, "-c", program], input=f"{i}\n", capture_output=True, text=True, timeout=30
        )
        return proc.returncode == 0 and proc.stdout.strip() == str(i + 1)

    with ThreadPoolExecutor(parallel) as ex:
        start = time.perf_counter()
        ok = list(ex.map(one, range(n)))
        elapsed = time.perf_counter() - start
    if not all(ok):
        raise SystemExit("the subprocess baseline failed on a correct program")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tests", type=int, default=1000)
    parser.add_argument("--per-completion", type=int, default=10, help="tests per completion (job)")
    parser.add_argument("--workers", type=int, default=0, help="sandboxes (0: one per core)")
    parser.add_argument(
        "--chunks",
        type=int,
        default=5,
        help="methods alternate in this many chunks (fair under background load)",
    )
    args = parser.parse_args()
    from verifiers_code.sandbox.layers import sandbox_python

    python = sandbox_python()
    n_cores = usable_cpus()
    workers = args.workers or n_cores
    chunk = args.tests // args.chunks
    n = chunk * args.chunks
    print(f"cores: {n_cores}; sandbox workers: {workers}; interpreter: {python}; tests per kind: {n}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    loops, t_work = calibrate(python)
    print(f"~10 ms program: {loops} loop iterations, {t_work * 1000:.2f} ms per run in a warm interpreter")

    results = {}
    for label, program in (("trivial", TRIVIAL), ("~10 ms", WORK.format(loops=loops))):
        runner = SandboxRunner(program, args.per_completion, workers)
        layer = runner.reward.isolation_layer
        box = sub = warm = warm_cpu = 0.0
        for _ in range(args.chunks):
            box += runner.elapsed(chunk)
            sub += subprocess_elapsed(program, chunk, python, n_cores)
            if label != "trivial":
                rate, cpu_per_run = run_warm(loops, chunk, python, n_cores)
                warm += chunk / rate
                warm_cpu += cpu_per_run / args.chunks
        box_cpu = runner.cpu / n
        runner.close()
        results[label] = (n / box, n / sub, n / warm if warm else None, box_cpu, warm_cpu)
        print(
            f"          sandbox CPU per test (supervisors, tests and this process): {box_cpu * 1000:.2f} ms"
        )
        print(
            f"{label:>8}: sandbox ({layer}) {n / box:7.1f} tests/s | fresh python3 per test {n / sub:7.1f} tests/s"
            f" | ratio {sub / box:5.2f}x"
        )
    box, sub, warm, box_cpu, warm_cpu = results["~10 ms"]
    print(f"  ~10 ms: {n_cores} warm interpreters running the work back to back: {warm:7.1f} runs/s")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print()
    tb, ts = results["trivial"][:2]
    print(f"trivial: {tb / ts:.2f}x the subprocess rate (goal >= 4x)")
    print(
        f"~10 ms : {box / warm:.0%} of what {n_cores} cores can do at all ({warm:.1f}/s in this run; goal >= 75%)"
    )
    print(
        f"~10 ms, CPU time (insensitive to other load): the work takes {warm_cpu * 1000:.2f} ms of CPU in a warm "
        f"interpreter; a sandboxed test costs {box_cpu * 1000:.2f} ms of CPU in all (supervisor, test, grading) "
        f"-> {warm_cpu / box_cpu:.0%} of the CPU does the work"
    )


if __name__ == "__main__":
    sys.exit(main())
