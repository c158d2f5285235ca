"""Benchmark of the Ray reward executor against in-process scoring, in one run.

Starts a cluster of two simulated nodes on 127.0.0.1 (one CPU each; Ray's ``cluster_utils``), then:

1. **Per-call overhead**: the same batch of GRPO groups scored by ``format`` (a cheap reward, so the
   call is almost all overhead) and by ``accuracy``, in this process and on one reward actor; the
   difference of the median call times is the executor's overhead per call.
2. **Throughput with one and two nodes**: the ``code`` reward on programs doing ``--work-ms`` of work
   per test, in this process (one sandbox worker) and on one and then two simulated nodes (one actor
   per node, a pool of one sandbox per actor).
3. **Driver cost**: the driver process's CPU time per call (all its threads: the dispatch loop, Ray's
   own), on two batch sizes with the same number of chunks, split into a cost per chunk and per row,
   and on the code batch; from the latter and the per-node rate, the node count at which one driver
   becomes the limit.

    .venv/bin/python benchmarks/bench_ray.py [--groups 32] [--group-size 8] [--calls 5] [--work-ms 10]

Simulated nodes share this machine's cores: with two cores, two nodes can at most double one node.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from typing import Any

from verifiers_core import select_rewards
from verifiers_core.ray_executor.local_cluster import local_cluster, ray_processes

LIGHT = ("format", "accuracy")


def math_batch(groups: int, size: int) -> dict[str, list[Any]]:
    """GRPO-shaped rows: ``groups`` prompts, ``size`` completions each (half right), a shared gold."""
    prompts, completions, golds = [], [], []
    for g in range(groups):
        for k in range(size):
            prompts.append(f"What is {g} + {g + 1}?")
            golds.append(str(2 * g + 1))
            answer = 2 * g + 1 if k % 2 == 0 else 2 * g
            completions.append(f"<think>{g} + {g + 1} = {answer}</think> The answer is \\boxed{{{answer}}}.")
    return {"prompts": prompts, "completions": completions, "solution": golds}


def code_batch(groups: int, size: int, loops: int) -> dict[str, list[Any]]:
    """Programs that run ``loops`` iterations of work per test, one test per row."""
    prompts, completions, infos = [], [], []
    for g in range(groups):
        tests = json.dumps(
            {"test_cases": [{"type": "stdin_stdout", "input": f"{g}\n", "output": f"{g + 1}\n"}]}
        )
        for k in range(size):
            body = f"n = int(input())\ns = 0\nfor i in range({loops}):\n    s += i * i\nprint(n + {1 if k % 2 else 2})"
            prompts.append(f"Task {g}")
            completions.append(f"<think>ok</think>\n```python\n{body}\n```")
            infos.append(tests)
    return {"prompts": prompts, "completions": completions, "verification_info": infos}


def loops_for(ms: float) -> int:
    """Loop count taking about ``ms`` milliseconds here."""
    k = 100_000
    while True:
        start = time.perf_counter()
        s = 0
        for i in range(k):
            s += i * i
        took = time.perf_counter() - start
        if took > 0.02:
            return max(1000, int(k * ms / 1000 / took))
        k *= 2


def timed_calls(reward: Any, batch: dict[str, list[Any]], calls: int) -> tuple[list[float], list[float]]:
    """Wall seconds and driver CPU seconds of ``calls`` calls (after one warm-up call)."""
    columns = {k: v for k, v in batch.items() if k not in ("prompts", "completions")}

    def once() -> None:
        values = reward(prompts=batch["prompts"], completions=batch["completions"], **columns)
        assert len(values) == len(batch["completions"])

    once()
    walls, cpus = [], []
    for _ in range(calls):
        c0, w0 = time.process_time(), time.perf_counter()
        once()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return walls, cpus


def on_ray(address: str, names: str, args: list[str], **options: Any) -> Any:
    chosen = select_rewards(names, reward_args=args, executor="ray", ray_address=address, ray_options=options)
    executor = chosen.rewards[0].executor
    executor.wait_ready()
    return chosen, executor


def report(label: str, seconds: list[float], rows: int) -> float:
    median = statistics.median(seconds)
    print(f"  {label:<34} {median * 1000:9.1f} ms/call  {rows / median:10.0f} rows/s")
    return median


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=32, help="prompts per call (default 32)")
    parser.add_argument("--group-size", type=int, default=8, help="completions per prompt (default 8)")
    parser.add_argument("--calls", type=int, default=5, help="timed calls per measurement (default 5)")
    parser.add_argument("--work-ms", type=float, default=10.0, help="work per code test in ms (default 10)")
    opts = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    rows = opts.groups * opts.group_size
    light = math_batch(opts.groups, opts.group_size)
    loops = loops_for(opts.work_ms)
    heavy = code_batch(opts.groups, opts.group_size, loops)
    args = ["accuracy.workers=1", "code.workers=1"]
    print(
        f"batch: {opts.groups} groups x {opts.group_size} completions = {rows} rows; {opts.calls} timed calls each"
    )

    print("\n1. per-call overhead (same batch)")
    local = select_rewards("format,accuracy", reward_args=args[:1])
    here = {name: report(f"{name}, in-process", timed_calls(r, light, opts.calls)[0], rows)
            for name, r in zip(LIGHT, local.rewards)}  # fmt: skip
    heavy_local = select_rewards("code", reward_args=["code.workers=1"]).rewards[0]
    code_here = report(
        f"code ({opts.work_ms:g} ms/test), in-process", timed_calls(heavy_local, heavy, 2)[0], rows
    )

    started = time.perf_counter()
    with local_cluster(nodes=2, cpus_per_node=1, resources={1: {"solo": 1}}, connect=False) as cluster:
        print(f"  (cluster of 2 simulated nodes up in {time.perf_counter() - started:.1f} s)")
        chosen, executor = on_ray(cluster.address, "format,accuracy,code", args, resource="solo")
        there: dict[str, float] = {}
        for name, reward in zip(LIGHT, chosen.rewards):
            there[name] = report(f"{name}, Ray, 1 node", timed_calls(reward, light, opts.calls)[0], rows)
        for name in LIGHT:
            extra = there[name] - here[name]
            print(
                f"  overhead per call, {name:<19} {extra * 1000:9.1f} ms  ({there[name] / here[name]:.2f}x in-process)"
            )

        print(f"\n2. throughput, code reward ({opts.work_ms:g} ms of work per test, {loops} loops)")
        print(
            f"  {'in-process, 1 sandbox':<34} {code_here * 1000:9.1f} ms/call  {rows / code_here:10.0f} rows/s"
        )
        one = report("Ray, 1 node (1 actor)", timed_calls(chosen.rewards[2], heavy, opts.calls)[0], rows)
        executor.close()

        chosen, executor = on_ray(cluster.address, "format,accuracy,code", args)
        two_walls, two_cpus = timed_calls(chosen.rewards[2], heavy, opts.calls)
        two = report("Ray, 2 nodes (2 actors)", two_walls, rows)
        print(f"  two nodes / one node: {one / two:.2f}x;  one node / in-process: {code_here / one:.2f}x")

        print("\n3. driver cost (format on 2 nodes; same chunk count, two batch sizes)")
        big = math_batch(opts.groups, opts.group_size * 8)
        _, cpu_small = timed_calls(chosen.rewards[0], light, opts.calls)
        _, cpu_big = timed_calls(chosen.rewards[0], big, opts.calls)
        chunks = 8  # auto chunking: four chunks per actor, two actors, for both sizes
        small_cpu, big_cpu = statistics.median(cpu_small), statistics.median(cpu_big)
        per_row = max(0.0, (big_cpu - small_cpu) / (len(big["prompts"]) - rows))
        per_chunk = max(0.0, (small_cpu - per_row * rows) / chunks)
        print(f"  driver CPU per call: {small_cpu * 1000:.1f} ms ({rows} rows), {big_cpu * 1000:.1f} ms "
              f"({len(big['prompts'])} rows), {chunks} chunks each")  # fmt: skip
        print(f"  => {per_chunk * 1000:.2f} ms per chunk + {per_row * 1e6:.1f} us per row")
        node_rate = rows / one
        heavy_cpu = statistics.median(two_cpus)
        driver_rate = rows / heavy_cpu if heavy_cpu > 0 else float("inf")
        limit = driver_rate / node_rate
        print(f"  driver CPU per code call ({rows} rows with their tests, 8 chunks): {heavy_cpu * 1000:.1f} ms "
              f"=> one driver can dispatch up to {driver_rate:.0f} rows/s")  # fmt: skip
        print(f"  per-node rate (code, 1 node): {node_rate:.0f} rows/s")
        print(f"  projected: N nodes give about {node_rate:.0f} x N rows/s until N = {limit:.0f}, "
              "where the driver becomes the limit")  # fmt: skip
        for scale in (4, 16, 64, 256):
            print(f"    N = {scale:>3}: {min(scale * node_rate, driver_rate):9.0f} rows/s")
        executor.close()
        temp_dir = cluster.vc_temp_dir
    left = ray_processes(temp_dir)
    print(f"\ncluster stopped; Ray processes left: {len(left)}")
    return 0 if not left else 1


if __name__ == "__main__":
    sys.exit(main())
