"""The benchmarks' own verdict, by plain Python, for the agreement test's ground truth.

Reads one JSON job per line on stdin and writes one JSON verdict per line on stdout: whether the
program passes every test of its problem when run the way the benchmark's harness runs it
(HumanEval: the program, the test, ``check(entry_point)``; MBPP: the program, its imports, each
assert; APPS/TACO call-based: the harness's imports, the program, ``fn(*inputs) == output`` with
APPS's wrapping rules and Python's ``==``). Each job runs in a forked child with a time and memory
limit. Only reference solutions and their mutations are run here, never the cheats (whose verdict
is 0 by definition), and never anything a model wrote.

    python plain_harness.py < jobs.jsonl > verdicts.jsonl
"""

import json
import os
import resource
import signal
import sys

TIMEOUT = 5
MEMORY = 1 << 30


def humaneval(job):
    g = {"__name__": "__main__"}
    exec(job["program"], g)
    exec(job["test"], g)
    g["check"](g[job["entry_point"]])


def mbpp(job):
    g = {"__name__": "__main__"}
    exec(job["program"], g)
    exec("\n".join(job["test_imports"]), g)
    for test in job["test_list"]:
        exec(test, g)


def apps(job):
    g = {"__name__": "tmp_sol"}
    exec(job["prelude"], g)
    exec(job["program"], g)
    info = json.loads(job["input_output"])
    name = info["fn_name"]
    target = getattr(g["Solution"](), name) if "class Solution" in job["program"] else g[name]
    for inputs, outputs in zip(info["inputs"], info["outputs"]):
        if inputs and isinstance(inputs[0], dict):
            try:
                inputs = [{int(k): v for k, v in inputs[0].items()}]
            except ValueError:
                pass
        if isinstance(outputs, dict):
            try:
                outputs = [{int(k): v for k, v in outputs.items()}]
            except ValueError:
                pass
        elif isinstance(outputs, list) and outputs and isinstance(outputs[0], dict):
            try:
                outputs = [{int(k): v for k, v in outputs[0].items()}]
            except ValueError:
                pass
        got = target(*inputs)
        if isinstance(got, tuple):
            got = list(got)
        ok = got == outputs or (isinstance(outputs, list) and len(outputs) > 0 and got == outputs[0])
        if not ok and isinstance(got, list) and got and isinstance(got[0], tuple):
            ok = [list(x) for x in got] == outputs[0]
        assert ok


RUNNERS = {"humaneval": humaneval, "mbpp": mbpp, "apps": apps}


def verdict(job):
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
            signal.alarm(TIMEOUT)
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
            RUNNERS[job["kind"]](job)
            code = 0
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def main():
    out = sys.stdout
    for line in sys.stdin:
        out.write(json.dumps({"passed": verdict(json.loads(line))}) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
