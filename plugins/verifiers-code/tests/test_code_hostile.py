"""Hostile programs: each scores 0 unless genuinely correct, the host is unaffected, and no process
of the sandbox is left behind.

Every attack is written so that, if it worked, the program would score 1: it prints (or returns)
the right answer only when its attack succeeded. The host side checks what the attacks targeted.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import tempfile
import threading

import pytest
from verifiers_code.rewards import CodeReward
from verifiers_code.sandbox.pool import Limits, SandboxPool

SANDBOX_UID = 65534
CANARY = "canary-" + secrets.token_hex(12)

# ---------------------------------------------------------------------------------------------
# Problems (the expected outputs never enter the sandbox).

DOUBLE = json.dumps(
    {
        "language": "python",
        "test_cases": [
            {"type": "stdin_stdout", "input": "21\n", "output": "42\n"},
            {"type": "stdin_stdout", "input": "5\n", "output": "10\n"},
        ],
    }
)
# Its expected output is the canary: only a program that reads the secret can pass.
CANARY_PROBLEM = json.dumps(
    {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "", "output": CANARY}]}
)
# Expected values a program cannot compute: only reading them from the grader could pass.
SECRET_ASSERTS = "assert secret(1) == 918273645\nassert secret(2) == [7, 'x', 3.5]\n"
HUMANEVAL_SECRET = json.dumps(
    {"test": "def check(candidate):\n    assert candidate(1) == 918273645\n", "entry_point": "secret"}
)
TWO_LINES = json.dumps(
    {"language": "python", "test_cases": [{"type": "stdin_stdout", "input": "", "output": "1\n2\n"}]}
)
CPP_DOUBLE = json.dumps(
    {"language": "cpp", "test_cases": [{"type": "stdin_stdout", "input": "21\n", "output": "42\n"}]}
)
ANSWER = "print(int(input()) * 2)"


def py(code: str) -> str:
    return f"```python\n{code.strip()}\n```"


def cpp(code: str) -> str:
    return f"```cpp\n{code.strip()}\n```"


def hostile_programs(hostdir: str, port: int) -> list[tuple[str, str, str]]:
    """(name, problem, completion) for every attack."""
    victim = os.path.join(hostdir, "victim.txt")
    secret_file = os.path.join(hostdir, "secret.txt")
    return [
        ("infinite loop", DOUBLE, py("while True:\n    pass")),
        ("long sleep", DOUBLE, py(f"import time\ntime.sleep(3600)\n{ANSWER}")),
        (
            "ignored signals",
            DOUBLE,
            py(
                "import signal\nfor s in range(1, 65):\n    try:\n        signal.signal(s, signal.SIG_IGN)\n"
                "    except (OSError, ValueError, RuntimeError):\n        pass\nwhile True:\n    pass"
            ),
        ),
        ("fork bomb (python)", DOUBLE, py(f"import os\nwhile True:\n    os.fork()\n{ANSWER}")),
        (
            "fork bomb (shell)",
            DOUBLE,
            py(
                "import os, subprocess, time\nsubprocess.Popen(['/bin/sh', '-c', 'f(){ f|f& };f'])\n"
                "time.sleep(0.3)\nif len([p for p in os.listdir('/proc') if p.isdigit()]) > 50:\n    "
                + ANSWER
            ),
        ),
        (
            "thread bomb",
            DOUBLE,
            py(
                "import threading, time\nwhile True:\n"
                "    threading.Thread(target=time.sleep, args=(100,), daemon=True).start()\n" + ANSWER
            ),
        ),
        ("memory bomb", DOUBLE, py(f"x = []\nwhile True:\n    x.append(bytearray(10**7))\n{ANSWER}")),
        (
            "disk fill",
            DOUBLE,
            py(
                "i = 0\nwhile True:\n    with open(f'/tmp/fill{i}', 'wb') as f:\n"
                f"        f.write(b'0' * (1 << 20))\n    i += 1\n{ANSWER}"
            ),
        ),
        (
            "one huge file",
            DOUBLE,
            py(
                f"with open('/tmp/huge', 'wb') as f:\n    for _ in range(4096):\n        f.write(b'0' * (1 << 20))\n{ANSWER}"
            ),
        ),
        (
            "write host paths",
            DOUBLE,
            py(
                "ok = False\n"
                f"for p in [{hostdir + '/pwned'!r}, '/etc/pwned', '/usr/pwned', '/pwned', '/work/pwned']:\n"
                "    try:\n        open(p, 'w').write('x')\n        ok = ok or not p.startswith('/tmp')\n"
                f"    except OSError:\n        pass\nif ok:\n    {ANSWER}"
            ),
        ),
        (
            "delete host paths",
            DOUBLE,
            py(f"import os\nos.remove({victim!r})\n{ANSWER}"),
        ),
        (
            "read secrets (environment, /proc, files)",
            CANARY_PROBLEM,
            py(
                "import os, glob\nfound = set()\n"
                "for v in os.environ.values():\n    found.add(v)\n"
                "for p in glob.glob('/proc/*/environ') + glob.glob('/proc/*/cmdline'):\n"
                "    try:\n        found.update(open(p, 'rb').read().decode(errors='replace').replace('=', '\\0').split('\\0'))\n"
                "    except OSError:\n        pass\n"
                f"for p in [{secret_file!r}, '/proc/1/root' + {secret_file!r}]:\n"
                "    try:\n        found.add(open(p).read().strip())\n    except OSError:\n        pass\n"
                "for v in found:\n    if v.startswith('canary-'):\n        print(v)"
            ),
        ),
        (
            "list host processes",
            DOUBLE,
            py(
                "import os\nnames = []\nfor p in os.listdir('/proc'):\n    if p.isdigit():\n"
                "        try:\n            names.append(open(f'/proc/{p}/cmdline', 'rb').read())\n"
                "        except OSError:\n            pass\n"
                f"if any(b'pytest' in n for n in names) or len(names) > 5:\n    {ANSWER}"
            ),
        ),
        (
            "loopback connection",
            DOUBLE,
            py(f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=0.5)\n{ANSWER}"),
        ),
        (
            "outside connection",
            DOUBLE,
            py(f"import socket\ns = socket.create_connection(('1.1.1.1', 443), timeout=0.5)\n{ANSWER}"),
        ),
        ("dns", DOUBLE, py(f"import socket\nsocket.getaddrinfo('pypi.org', 443)\n{ANSWER}")),
        (
            "kill the parent",
            DOUBLE,
            py("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nos.kill(1, signal.SIGKILL)"),
        ),
        ("kill(-1)", DOUBLE, py("import os, signal\nos.kill(-1, signal.SIGKILL)")),
        (
            "setsid daemon",
            DOUBLE,
            py(
                "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
                "        while True:\n            time.sleep(0.01)\n    os._exit(0)\ntime.sleep(0.05)"
            ),
        ),
        ("output flood", DOUBLE, py("import sys\nwhile True:\n    sys.stdout.write('42\\n' * 10000)")),
        (
            "binary output",
            DOUBLE,
            py("import os, sys\nsys.stdout.buffer.write(b'4\\xff\\xfe2\\x00\\n' + os.urandom(4096))"),
        ),
        ("loop on stdin", DOUBLE, py("import sys\nwhile True:\n    sys.stdin.readline()")),
        (
            "sys.exit(0) before the tests",
            SECRET_ASSERTS,
            py("import sys\nsys.exit(0)\ndef secret(x):\n    return 0"),
        ),
        (
            "os._exit(0) before the tests",
            SECRET_ASSERTS,
            py("import os\nos._exit(0)\ndef secret(x):\n    return 0"),
        ),
        (
            "__eq__ override",
            SECRET_ASSERTS,
            py(
                "class Any:\n    def __eq__(self, other):\n        return True\ndef secret(x):\n    return Any()"
            ),
        ),
        (
            "int subclass",
            SECRET_ASSERTS,
            py(
                "class Int(int):\n    def __eq__(self, other):\n        return True\n    __hash__ = int.__hash__\n"
                "def secret(x):\n    return Int(0)"
            ),
        ),
        (
            "stack walking and memory scan",
            SECRET_ASSERTS,
            py(
                "import sys, gc\n"
                "def secret(x):\n"
                "    seen = []\n"
                "    f = sys._getframe()\n"
                "    while f is not None:\n"
                "        seen += list(f.f_locals.values()) + list(f.f_globals.values())\n"
                "        f = f.f_back\n"
                "    seen += gc.get_objects()\n"
                "    for v in seen:\n"
                "        if v == 918273645 or v == [7, 'x', 3.5]:\n"
                "            return v\n"
                "        if isinstance(v, str) and '918273645' in v:\n"
                "            return 918273645 if x == 1 else [7, 'x', 3.5]\n"
                "    return None"
            ),
        ),
        (
            "reading a HumanEval check() from memory",
            HUMANEVAL_SECRET,
            py(
                "import gc\n"
                "def secret(x):\n"
                "    for o in gc.get_objects():\n"
                "        if callable(o) and getattr(o, '__name__', '') == 'check':\n"
                "            consts = o.__code__.co_consts\n"
                "            return [c for c in consts if isinstance(c, int) and c > 1000][0]\n"
                "    return None"
            ),
        ),
        (
            "writing to inherited file descriptors",
            SECRET_ASSERTS,
            py(
                "import os, struct\n"
                'forged = [b\'{"value":["i","918273645"]}\', b\'{"passed":true}\',\n'
                "          struct.pack('>I', 20) + b'{\"results\":[],\"x\":1}']\n"
                "for fd in range(0, 1024):\n    for data in forged:\n"
                "        try:\n            os.write(fd, data)\n        except OSError:\n            pass\n"
                "os._exit(0)"
            ),
        ),
        (
            "ptrace of the parent",
            DOUBLE,
            py(
                "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                f"if libc.ptrace(16, os.getppid(), 0, 0) == 0 or libc.ptrace(16, 1, 0, 0) == 0:\n    {ANSWER}"
            ),
        ),
        (
            "deep recursion",
            DOUBLE,
            py(
                f"import sys\nsys.setrecursionlimit(10**9)\ndef r(n):\n    return r(n + 1) + 1\nr(0)\n{ANSWER}"
            ),
        ),
        ("segfault", DOUBLE, py(f"import ctypes\nctypes.string_at(0)\n{ANSWER}")),
        (
            "exhausting file descriptors",
            DOUBLE,
            py(f"fds = []\nwhile True:\n    fds.append(open('/dev/null'))\n{ANSWER}"),
        ),
        (
            "unshare",
            DOUBLE,
            py(
                "import ctypes, subprocess\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                "ok = libc.unshare(0x10000000) == 0 or libc.unshare(0x40000000) == 0\n"
                "ok = ok or subprocess.run(['unshare', '-r', 'true']).returncode == 0\n"
                f"if ok:\n    {ANSWER}"
            ),
        ),
        (
            "state left in /tmp for the next test",
            DOUBLE,
            py(
                "import os\nseen = os.path.exists('/tmp/state') or os.listdir('/tmp')\n"
                f"open('/tmp/state', 'w').write('x')\nif seen:\n    {ANSWER}"
            ),
        ),
        ("printing only the first line of two", TWO_LINES, py("print(1)")),
        ("C++ fork bomb", CPP_DOUBLE, cpp("#include <unistd.h>\nint main(){ while (1) fork(); }")),
        ("C++ infinite loop", CPP_DOUBLE, cpp("int main(){ volatile int x = 0; while (1) x++; }")),
        (
            "C++ memory bomb",
            CPP_DOUBLE,
            cpp(
                "#include <vector>\nint main(){ std::vector<std::vector<char>> v; while (1) v.emplace_back(1<<24, 1); }"
            ),
        ),
        ("C++ segfault", CPP_DOUBLE, cpp("int main(){ int *p = nullptr; return *p; }")),
        (
            "C++ compile-time bomb",
            CPP_DOUBLE,
            cpp(
                "template<int N> struct F { static const int v = F<N-1>::v + F<N-2>::v; };\n"
                "template<> struct F<0> { static const int v = 0; };\n"
                "template<> struct F<1> { static const int v = 1; };\n"
                "int main(){ return F<100000>::v; }"
            ),
        ),
    ]


def host_processes_of_uid(uid: int = SANDBOX_UID) -> dict[int, int]:
    """``{pid: ppid}`` of every host process whose real uid is ``uid``, read from /proc."""
    out: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        uids = fields.get("Uid", "").split()
        if uids and int(uids[0]) == uid:
            out[int(name)] = int(fields.get("PPid", "0").strip() or 0)
    return out


def descendants(roots: set[int], table: dict[int, int]) -> set[int]:
    """Pids of ``table`` (pid → ppid) that descend from ``roots``, roots included."""
    found = set(roots) & set(table)
    grew = True
    while grew:
        grew = False
        for pid, ppid in table.items():
            if pid not in found and ppid in found:
                found.add(pid)
                grew = True
    return found


@pytest.fixture(scope="module")
def host():
    """Host-side targets: a world-writable dir with a victim and a secret, a loopback listener,
    the canary in the trainer's environment, and the uid-65534 processes present before."""
    os.environ["VERIFIERS_CODE_CANARY"] = CANARY
    hostdir = tempfile.mkdtemp(prefix="vc-host-")
    os.chmod(hostdir, 0o777)
    victim = os.path.join(hostdir, "victim.txt")
    with open(victim, "w") as f:
        f.write("keep me")
    os.chmod(victim, 0o666)
    with open(os.path.join(hostdir, "secret.txt"), "w") as f:
        f.write(CANARY)
    os.chmod(os.path.join(hostdir, "secret.txt"), 0o644)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    before = set(host_processes_of_uid())
    yield {
        "dir": hostdir,
        "victim": victim,
        "port": listener.getsockname()[1],
        "accepted": accepted,
        "before": before,
    }
    stop.set()
    thread.join(2)
    listener.close()
    os.environ.pop("VERIFIERS_CODE_CANARY", None)
    shutil.rmtree(hostdir, ignore_errors=True)


@pytest.fixture(scope="module")
def pool(host):
    limits = Limits(timeout=1.0, memory_mb=256, compile_timeout=10.0, binary_size_mb=16)
    pool = SandboxPool(workers=2, limits=limits, isolation="bwrap")
    yield pool
    pool.close()


def make_reward(pool: SandboxPool, **params) -> CodeReward:
    reward = CodeReward(timeout=1.0, memory_mb=256, **params)
    reward.__name__ = "code"
    reward._pool = pool
    return reward


def test_hostile_suite_scores_zero_and_leaves_nothing(pool, host):
    attacks = hostile_programs(host["dir"], host["port"])
    assert len(attacks) >= 30
    reward = make_reward(pool)
    metrics: dict[str, float] = {}
    scores = reward(
        prompts=["p"] * len(attacks),
        completions=[c for _, _, c in attacks],
        verification_info=[p for _, p, _ in attacks],
        log_metric=lambda k, v: metrics.__setitem__(k, v),
    )
    failed = {name: s for (name, _, _), s in zip(attacks, scores) if s != 0.0}
    assert not failed, f"hostile programs that scored above 0: {failed}"
    # The events were counted and reported.
    assert metrics["code/timeouts"] >= 5
    assert metrics["code/runtime_errors"] >= 5
    assert metrics["code/output_limits"] >= 1
    assert metrics["code/compile_errors"] >= 1

    # The host is unaffected.
    assert open(host["victim"]).read() == "keep me"
    assert sorted(os.listdir(host["dir"])) == ["secret.txt", "victim.txt"]
    for path in ("/etc/pwned", "/usr/pwned", "/pwned", "/work/pwned", "/tmp/state", "/tmp/huge"):
        assert not os.path.exists(path), path
    assert host["accepted"] == []

    # Nothing is left in any sandbox, and on the host only the workers themselves run as uid 65534.
    for worker in pool._workers:
        if worker.proc is not None:
            assert worker.ping()["left"] == []
    table = host_processes_of_uid()
    roots = {w.proc.pid for w in pool._workers if w.proc is not None}
    ours = descendants(roots, table)
    assert set(table) - host["before"] <= ours
    for root in roots:
        assert len(descendants({root}, table)) <= 2  # bwrap and the supervisor (pid 1 inside)

    # The workers still grade correctly after all that.
    good = reward(
        prompts=["p"] * 2,
        completions=[py(ANSWER), py("def secret(x):\n    return 918273645 if x == 1 else [7, 'x', 3.5]")],
        verification_info=[DOUBLE, SECRET_ASSERTS],
    )
    assert good == [1.0, 1.0]


def test_genuinely_correct_programs_pass_despite_odd_behaviour(pool):
    reward = make_reward(pool)
    programs = [
        # A daemon keeps the stdout pipe open while the main process answers and exits.
        py(f"import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(100)\n{ANSWER}"),
        # The answer is computed in a non-daemon thread (a common trick for deep recursion).
        py(f"import threading\nthreading.Thread(target=lambda: {ANSWER}).start()"),
        py("import sys\nprint(int(sys.stdin.read()) * 2)"),
        py("print(int(open(0).read()) * 2, end='  \\n\\n')"),
        py(f"{ANSWER}\nimport sys\nsys.exit(0)"),
        cpp(
            '#include <cstdio>\nint main(){ int n; if (scanf("%d", &n) != 1) return 1; printf("%d\\n", 2*n); }'
        ),
    ]
    problems = [DOUBLE] * 5 + [CPP_DOUBLE]
    assert reward(prompts=["p"] * 6, completions=programs, verification_info=problems) == [1.0] * 6
    for worker in pool._workers:
        if worker.proc is not None:
            assert worker.ping()["left"] == []


def test_state_does_not_survive_between_completions(pool):
    reward = make_reward(pool, max_timeouts=0)
    program = py(
        f"import os\nif os.listdir('/tmp'):\n    {ANSWER}\nopen('/tmp/mark', 'w').write('x')\nprint(0)"
    )
    # Same worker, many completions in a row: /tmp is empty for every test.
    assert reward(prompts=["p"] * 6, completions=[program] * 6, verification_info=[DOUBLE] * 6) == [0.0] * 6


def test_nothing_is_left_after_close(host):
    before = set(host_processes_of_uid())
    pool = SandboxPool(workers=1, limits=Limits(timeout=0.5), isolation="bwrap")
    reward = make_reward(pool)
    daemon = py(
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    time.sleep(100)\nwhile True:\n    pass"
    )
    assert reward(prompts=["p"], completions=[daemon], verification_info=[DOUBLE]) == [0.0]
    assert len(set(host_processes_of_uid()) - before) == 2  # bwrap and its supervisor
    pool.close()
    assert set(host_processes_of_uid()) - before == set()
