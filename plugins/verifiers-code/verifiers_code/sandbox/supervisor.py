"""The supervisor that runs INSIDE the sandbox: one per worker, long-lived, stdlib only.

It is started (as pid 1 of the sandbox's pid namespace where the layer has one) with the protocol on
fds 0/1: length-prefixed JSON frames. For each job (one completion: a program and its tests) it
compiles once if needed, then forks a fresh child per test from this already-loaded interpreter,
enforces the wall-clock timeout and the output cap, kills every process the test left behind
(``setsid`` daemons included) and wipes the private ``/tmp``. It returns raw observations only
(exit status, stdout bytes, a plain-data value): it never sees expected outputs, so nothing a test
does here can change a verdict except its own output. A raw test (test code that could not become
an expression/value pair) runs in two processes: its test code in one, the program in a child
that answers calls with plain data (see isolated_test).

This file is sent to the interpreter over its stdin and ``exec``'d: it must not import anything
outside the standard library.
"""

import base64
import builtins
import enum
import errno
import fcntl
import io
import json
import os
import resource
import select
import signal
import stat
import struct
import sys
import time

# Exit codes the harness uses (informational only: the verdict never trusts them).
EXIT_MEMORY = 3
EXIT_HARNESS = 120

READ_CHUNK = 65536
STDERR_KEEP = 4096


# The frame format (a 4-byte big-endian length, then compact JSON) is defined by
# verifiers_core.processes (encode_frame, read_frame, write_frame), which the pool uses; this file keeps
# its own copy because it runs inside the sandbox on the standard library alone.
def read_exact(fd, n):
    chunks = []
    while n:
        chunk = os.read(fd, n)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd):
    (n,) = struct.unpack(">I", read_exact(fd, 4))
    return json.loads(read_exact(fd, n))


def write_frame(fd, obj):
    data = json.dumps(obj, separators=(",", ":")).encode()
    data = struct.pack(">I", len(data)) + data
    while data:
        data = data[os.write(fd, data) :]


# --------------------------------------------------------------------------------------------
# Plain-data encoding of a returned value, by exact type (an int subclass or an object with a
# custom __eq__ is refused). The parent decodes it with json and rebuilds the value itself.
# Subclasses of the builtin containers (Counter, OrderedDict, defaultdict, namedtuple, ...) are
# sent as their base type, read through the base type's own methods: an overridden __iter__ or
# items() of the program's cannot change what is sent.


class Unencodable(Exception):
    pass


_CONTAINERS = (
    (list, "l", list.__iter__),
    (tuple, "t", tuple.__iter__),
    (set, "S", set.__iter__),
    (frozenset, "F", frozenset.__iter__),
)


def encode_value(x, depth=0):
    if depth > 100:
        raise Unencodable("nested deeper than 100")
    t = type(x)
    if x is None:
        return ["N"]
    if t is bool:
        return ["b", x]
    if t is int:
        return ["i", str(x)]
    if t is float:
        return ["f", repr(x)]
    if t is complex:
        return ["c", repr(x.real), repr(x.imag)]
    if t is str:
        return ["s", x]
    if t is bytes:
        return ["y", base64.b64encode(x).decode()]
    if issubclass(t, dict):
        pairs = dict.items(x)
        return ["d", [[encode_value(k, depth + 1), encode_value(v, depth + 1)] for k, v in pairs]]
    for base, tag, iterate in _CONTAINERS:
        if issubclass(t, base):
            return [tag, [encode_value(v, depth + 1) for v in iterate(x)]]
    raise Unencodable(f"values of type {t.__name__} cannot be compared")


def decode_value(node, depth=0):
    """The arguments of a call-based test, from the parent's tagged encoding."""
    if depth > 100 or not isinstance(node, list) or not node:
        raise ValueError("malformed value")
    tag = node[0]
    if tag == "N":
        return None
    if tag == "b":
        return bool(node[1])
    if tag == "i":
        return int(node[1])
    if tag == "f":
        return float(node[1])
    if tag == "c":
        return complex(float(node[1]), float(node[2]))
    if tag == "s":
        return str(node[1])
    if tag == "y":
        return base64.b64decode(node[1])
    if tag in ("l", "t", "S", "F"):
        items = [decode_value(v, depth + 1) for v in node[1]]
        return {"l": list, "t": tuple, "S": set, "F": frozenset}[tag](items)
    if tag == "d":
        return {decode_value(k, depth + 1): decode_value(v, depth + 1) for k, v in node[1]}
    raise ValueError(f"unknown tag {tag!r}")


# Py_TPFLAGS_IMMUTABLETYPE: static builtin types and the standard library's immutable C types
# (re.Match, ...). A class the program defines never has it, and nobody can change its slots.
_IMMUTABLE_TYPE = 1 << 8
# Builtin types whose truth delegates to an object they wrap (which the program may define).
_DELEGATING = frozenset(("mappingproxy", "weakproxy", "weakcallableproxy"))


def builtin_truth(x):
    """bool(x) when x's type is an immutable builtin that does not delegate, else None."""
    t = type(x)
    if not (t.__flags__ & _IMMUTABLE_TYPE) or t.__name__ in _DELEGATING:
        return None
    return bool(x)


# --------------------------------------------------------------------------------------------
# Child side: what runs between fork and the test program.


def set_limits(lim, nproc_extra=0):
    mem = lim["memory"]
    pairs = [
        (resource.RLIMIT_AS, mem),
        (resource.RLIMIT_DATA, mem),
        (resource.RLIMIT_FSIZE, lim["file_size"]),
        (resource.RLIMIT_NOFILE, lim["open_files"]),
        (resource.RLIMIT_NPROC, lim["processes"] + nproc_extra),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, int(lim["timeout"]) + 2),
        (resource.RLIMIT_MEMLOCK, 0),
        (resource.RLIMIT_MSGQUEUE, 0),
    ]
    for what, value in pairs:
        try:
            resource.setrlimit(what, (value, value))
        except (ValueError, OSError):
            # Never raise a limit above the hard one we were given; lower it instead.
            soft, hard = resource.getrlimit(what)
            if hard != resource.RLIM_INFINITY and value > hard:
                resource.setrlimit(what, (hard, hard))


def child_common(stdin_fd, out_w, err_w, res_w, keep_fd=None):
    """Wire fds 0-3 and close everything else, in a fresh session and the private /tmp."""
    os.setsid()
    os.dup2(stdin_fd, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    low = 3
    if res_w is not None:
        os.dup2(res_w, 3)
        low = 4
    if keep_fd is not None:
        os.dup2(keep_fd, low)
        keep_fd = low
        low += 1
    os.closerange(low, 1 << 16)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)
    os.chdir(CONFIG["tmp"])
    return keep_fd


def python_child(job, test):
    import builtins

    sys.stdin = sys.__stdin__ = io.TextIOWrapper(
        io.BufferedReader(io.FileIO(0, "rb", closefd=False)), encoding="utf-8", errors="surrogateescape"
    )
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(1, "wb", closefd=False)), encoding="utf-8", errors="surrogateescape"
    )
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.BufferedWriter(io.FileIO(2, "wb", closefd=False)),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )
    sys.argv = ["solution.py"]
    kind = test["kind"]
    g = {"__name__": "__main__" if kind == "stdio" else "solution", "__builtins__": builtins}
    status = 0
    record = None
    try:
        if kind == "assert":
            record = isolated_test(job, test)  # the program runs in a child of this process
        else:
            if test.get("prelude"):
                exec(compile(test["prelude"], "prelude.py", "exec"), g)
            exec(compile(job["code"], "solution.py", "exec"), g)
            if test.get("setup"):
                exec(compile(test["setup"], "test_setup.py", "exec"), g)
            if kind == "call":
                value = eval(compile(test["expr"], "test.py", "eval"), g)
                record = value_record(value, test.get("truth"))
            elif kind == "invoke":
                record = value_record(invoke(job["code"], g, test), False)
    except SystemExit as exc:
        code = exc.code
        if kind != "stdio":
            status = 1  # exiting before the tests ran is a failure, whatever the code
        elif code is None or (type(code) is int and code == 0):
            status = 0
        elif type(code) is int:
            status = code & 0xFF or 1
        else:
            status = 1
    except MemoryError:
        status = EXIT_MEMORY
    except Unencodable as exc:
        status = 1
        record = {"error": str(exc)}
    except BaseException as exc:
        status = 1
        try:  # a one-line report: importing traceback would cost every failing test milliseconds
            sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        except BaseException:
            pass
    try:
        if "threading" in sys.modules:  # a normal interpreter waits for non-daemon threads
            sys.modules["threading"]._shutdown()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    if record is not None and status == 0:
        try:
            data = json.dumps(record, separators=(",", ":")).encode()
            if len(data) <= job["limits"]["output"]:
                view = memoryview(data)
                while view:
                    view = view[os.write(3, view) :]
            else:
                status = 1
        except BaseException:
            status = 1
    os._exit(status)


# --------------------------------------------------------------------------------------------
# Raw tests (asserts that could not become expression/value pairs, HumanEval's check() loops):
# the test code and the program run in two processes. The program's process (a child) answers
# calls of its functions with plain data; the test's process, where no program code ever runs,
# sees them as proxies. A program can then neither override __eq__ for the test, nor redefine
# its builtins, nor walk up to its frames, nor read its expected values from memory, nor write a
# forged result: it only ever sees the arguments it is called with.


class ProgramGone(Exception):
    pass


class Remote:
    """A function of the program, called across the process boundary with plain data."""

    __slots__ = ("link", "name")

    def __init__(self, link, name):
        self.link = link
        self.name = name

    def __call__(self, *args, **kwargs):
        return self.link.call(self.name, args, kwargs)


class ProgramLink:
    """The test process's end of the pipes to the program's process."""

    def __init__(self, to_program, from_program):
        self.to_program = to_program
        self.from_program = from_program

    def ask(self, request):
        write_frame(self.to_program, request)
        try:
            return read_frame(self.from_program)
        except (EOFError, ValueError, struct.error):
            raise ProgramGone("the program's process ended") from None

    def call(self, name, args, kwargs):
        reply = self.ask(
            {
                "op": "call",
                "name": name,
                "args": encode_value(list(args)),
                "kwargs": encode_value(dict(kwargs)),
            }
        )
        if not isinstance(reply, dict):
            raise ProgramGone("malformed reply")
        if "value" in reply:
            return decode_value(reply["value"])
        error = getattr(builtins, str(reply.get("error")), None)
        if not (isinstance(error, type) and issubclass(error, Exception)):
            error = RuntimeError
        raise error(str(reply.get("message", ""))[:200])


class TestGlobals(dict):
    """The test code's globals: a name it does not define and that is not a builtin is looked up
    in the program (a function becomes a Remote, a plain value is copied)."""

    def __init__(self, link):
        super().__init__()
        self.link = link

    def __missing__(self, name):
        if name.startswith("__") or name in builtins.__dict__:
            raise KeyError(name)
        reply = self.link.ask({"op": "get", "name": name})
        if not isinstance(reply, dict) or reply.get("missing"):
            raise KeyError(name)
        if reply.get("callable"):
            value = Remote(self.link, name)
        elif "value" in reply:
            value = decode_value(reply["value"])
        else:
            raise TypeError(f"the program's {name!r} is not plain data")
        self[name] = value
        return value


def serve_program(code, requests, replies):
    """The program's process: run the program, then answer the test's calls until it is done."""
    g = {"__name__": "solution", "__builtins__": builtins}
    exec(compile(code, "solution.py", "exec"), g)
    while True:
        try:
            request = read_frame(requests)
        except (EOFError, ValueError, struct.error):
            return
        name = request.get("name")
        if request.get("op") == "get":
            if name not in g:
                reply = {"missing": True}
            elif callable(g[name]):
                reply = {"callable": True}
            else:
                try:
                    reply = {"value": encode_value(g[name])}
                except Unencodable:
                    reply = {"opaque": True}
        else:
            try:
                args = decode_value(request["args"])
                kwargs = decode_value(request["kwargs"])
                reply = {"value": encode_value(g[name](*args, **kwargs))}
            except BaseException as exc:  # reported to the test as that exception
                reply = {"error": type(exc).__name__, "message": str(exc)[:200]}
        write_frame(replies, reply)


def isolated_test(job, test):
    """Run a raw test with the program in a child process; its result record."""
    to_program_r, to_program_w = os.pipe()
    from_program_r, from_program_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            # Nothing of the test's process is reachable: not its result pipe, not its pipes to
            # the program but the two this side uses.
            keep = {to_program_r, from_program_w}
            for fd in range(3, max(keep) + 1):
                if fd not in keep:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
            os.closerange(max(keep) + 1, 1 << 16)
            # The test (its source, its setup) stays out of the program's reach: the job and
            # test records this process inherited are emptied before the program runs.
            program = job["code"]
            job.clear()
            test.clear()
            serve_program(program, to_program_r, from_program_w)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(to_program_r)
    os.close(from_program_w)
    link = ProgramLink(to_program_w, from_program_r)
    observed = []
    tg = TestGlobals(link)
    tg["__builtins__"] = builtins
    tg["__name__"] = "test"
    # `assert A == B` arrives as a call of this: both values go to the parent as plain data.
    tg["__vc_observe_equal"] = lambda a, b: observed.append([encode_value(a), encode_value(b)])
    if test.get("setup"):
        exec(compile(test["setup"], "test_setup.py", "exec"), tg)
    exec(compile(test["source"], "test.py", "exec"), tg)
    return {"passed": True, "observed": observed}


def value_record(value, truth_wanted):
    """What a call test reports: the value as plain data, or, for `assert E` / `assert not E`
    on a value that cannot be sent, its truth as a builtin type computes it."""
    try:
        return {"value": encode_value(value)}
    except Unencodable:
        if truth_wanted:
            truth = builtin_truth(value)
            if truth is not None:
                return {"truth": truth}
        raise


def invoke(code, g, test):
    """A call-based APPS/TACO test: fn(*args), fn a method of Solution() when the program has
    `class Solution` (as APPS's harness decides), else a function of the program."""
    args = decode_value(json.loads(test["args"]))
    if "class Solution" in code and isinstance(g.get("Solution"), type):
        target = getattr(g["Solution"](), test["fn"])
    else:
        target = g[test["fn"]]
    return target(*args)


def exec_child(binary_fd, argv, env):
    os.execve(binary_fd, argv, env)


# --------------------------------------------------------------------------------------------
# Supervisor side.


def make_stdin(data):
    fd = os.memfd_create("stdin", os.MFD_CLOEXEC)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def other_pids():
    me = os.getpid()
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            pid = int(name)
            if pid != me and pid != 1:
                out.append(pid)
    return out


def children_of_me():
    """Direct children (orphans are reparented to us: we are a subreaper)."""
    me = str(os.getpid())
    try:  # cheap where the kernel lists children (CONFIG_PROC_CHILDREN)
        with open(f"/proc/self/task/{me}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        pass
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rfind(b")") + 2 :].split()
        if len(fields) > 1 and fields[1].decode() == me:
            out.append(int(name))
    return out


def reap_all():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything(main_pid=None):
    """Kill every process this test created, daemons included, and reap them."""
    deadline = time.monotonic() + 5.0
    while True:
        if CONFIG["pid1"]:
            reap_all()
            if not other_pids():
                return  # the usual case: nothing left, no need to signal
            # We are init of a private pid namespace: kill(-1) reaches every other process in it.
            try:
                os.kill(-1, signal.SIGKILL)
            except ProcessLookupError:
                pass
            reap_all()
            left = other_pids()
        else:
            left = children_of_me()
            for pid in left:
                for killer in (os.killpg, os.kill):
                    try:
                        killer(pid, signal.SIGKILL)
                    except OSError:
                        pass
            reap_all()
            left = children_of_me()
        if not left:
            return
        if time.monotonic() > deadline:
            return  # reported by the parent's /proc scan in tests; should never happen
        time.sleep(0.001)


def wipe(path):
    """Empty the private tmp dir, whatever permissions the test left on its files."""
    try:
        entries = list(os.scandir(path))
    except OSError:
        return
    for entry in entries:
        full = entry.path
        try:
            if entry.is_dir(follow_symlinks=False):
                try:
                    os.chmod(full, 0o700)
                except OSError:
                    pass
                wipe(full)
                os.rmdir(full)
            else:
                os.unlink(full)
        except OSError:
            pass


def safe_path(name):
    """The path of a job file inside the private /tmp, or None for a name that would leave it."""
    if not isinstance(name, str) or not name or "\x00" in name or name.startswith("/"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return os.path.join(CONFIG["tmp"], *parts)


def restore_files(files):
    """Write the job's input files (name -> base64) into the private /tmp before a run."""
    for name, data in (files or {}).items():
        path = safe_path(name)
        if path is None or not isinstance(data, str):
            continue
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(base64.b64decode(data))
        except (OSError, ValueError):
            pass


def fetch_files(names, cap):
    """Read back the files a job asked for (regular files inside /tmp only; every process of the
    test is dead by now, so nothing can swap a file under us)."""
    out = {}
    root = os.path.realpath(CONFIG["tmp"])
    for name in names or ():
        path = safe_path(name)
        if path is None:
            continue
        real = os.path.realpath(path)
        if not real.startswith(root + os.sep):
            continue
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            data = os.read(fd, cap + 1)
            if len(data) <= cap:
                out[name] = base64.b64encode(data).decode()
        except OSError:
            pass
        finally:
            os.close(fd)
    return out


class Outcome(str, enum.Enum):  # noqa: UP042 (runs under the system python3, which may be < 3.11)
    """How waiting for a test's main process ended."""

    EXITED = "exited"  # it exited by itself (its status says how)
    TIMEOUT = "timeout"  # the wall-clock limit passed first
    OUTPUT_LIMIT = "output_limit"  # it wrote more than the cap to stdout, stderr or the result


class Streams:
    """The test's output pipes: what was read from each, with the cap applied to every byte read
    (stderr is counted in full but only its first STDERR_KEEP bytes are kept)."""

    def __init__(self, out_r, err_r, res_r, cap, poller):
        self.err_r = err_r
        self.cap = cap
        self.poller = poller
        self.bufs = {out_r: bytearray(), err_r: bytearray()}
        if res_r is not None:
            self.bufs[res_r] = bytearray()
        self.open = set(self.bufs)
        self.err_total = 0
        for fd in self.bufs:
            os.set_blocking(fd, False)
            poller.register(fd, select.POLLIN)

    def drain(self, fd):
        """Read what `fd` holds now (never waiting); True as soon as the cap is passed."""
        while fd in self.open:
            try:
                chunk = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                return False
            if not chunk:
                self.poller.unregister(fd)
                self.open.discard(fd)
                return False
            buf = self.bufs[fd]
            if fd == self.err_r:
                self.err_total += len(chunk)
                if len(buf) < STDERR_KEEP:
                    buf += chunk[: STDERR_KEEP - len(buf)]
                if self.err_total > self.cap:
                    return True
            else:
                buf += chunk
                if len(buf) > self.cap:
                    return True
        return False

    def drain_all(self):
        return any(self.drain(fd) for fd in list(self.open))


def collect(pid, out_r, err_r, res_r, timeout, cap):
    """Wait for the test's main process; read its output; enforce the timeout and output cap.

    Returns (outcome, wait status or None, {fd: bytes read}, seconds)."""
    start = time.monotonic()
    deadline = start + timeout
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    streams = Streams(out_r, err_r, res_r, cap, poller)
    poller.register(pidfd, select.POLLIN)
    status = None
    outcome = None
    while outcome is None:
        left = deadline - time.monotonic()
        if left <= 0:
            outcome = Outcome.TIMEOUT
            break
        exited = False
        for fd, _ in poller.poll(max(1, int(left * 1000) + 1)):
            if fd == pidfd:
                exited = True
            elif streams.drain(fd):
                outcome = Outcome.OUTPUT_LIMIT
                break
        if outcome is None and exited:
            # Take what the main process wrote before it exited, under the same cap; a daemon
            # holding a pipe open cannot delay us (only what is already there is read).
            outcome = Outcome.OUTPUT_LIMIT if streams.drain_all() else Outcome.EXITED
            _, status = os.waitpid(pid, 0)
    elapsed = time.monotonic() - start
    kill_everything(pid)
    if status is None:
        try:
            _, status = os.waitpid(pid, 0)
        except ChildProcessError:
            status = None
    os.close(pidfd)
    return outcome, status, streams.bufs, elapsed


def classify(outcome, status, stderr, lang):
    if outcome is not Outcome.EXITED:
        return outcome.value
    if status is None:
        return "runtime_error"
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        if code == 0:
            return "ok"
        if code == EXIT_MEMORY and lang == "python":
            return "memory"
        return "runtime_error"
    sig = os.WTERMSIG(status)
    if sig == signal.SIGXCPU:
        return "timeout"
    if sig == signal.SIGABRT and b"bad_alloc" in stderr:
        return "memory"
    return "runtime_error"


def run_test(job, test, binary_fd):
    lim = dict(job["limits"])
    lim["timeout"] = test.get("timeout", lim["timeout"])
    restore_files(job.get("files"))
    stdin_fd = make_stdin(base64.b64decode(test.get("stdin", "")))
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r = res_w = None
    if test["kind"] != "stdio":
        res_r, res_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            keep = child_common(stdin_fd, out_w, err_w, res_w, keep_fd=binary_fd)
            set_limits(lim)
            if job["lang"] == "python":
                python_child(job, test)
            else:
                exec_child(keep, ["solution"], {"PATH": "/usr/bin:/bin", "HOME": CONFIG["tmp"]})
        finally:
            os._exit(EXIT_HARNESS)
    for fd in (stdin_fd, out_w, err_w, res_w):
        if fd is not None:
            os.close(fd)
    outcome, status, bufs, elapsed = collect(pid, out_r, err_r, res_r, lim["timeout"], lim["output"])
    for fd in (out_r, err_r, res_r):
        if fd is not None:
            os.close(fd)
    fetched = fetch_files(job.get("fetch"), lim["output"]) if job.get("fetch") else None
    wipe(CONFIG["tmp"])
    stderr = bytes(bufs[err_r])
    result = {
        "status": classify(outcome, status, stderr, job["lang"]),
        "time": round(elapsed, 6),
        "exit": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if status is not None and os.WIFSIGNALED(status) else None,
        "stderr": stderr[:1024].decode("utf-8", "replace"),
    }
    if test["kind"] == "stdio":
        result["stdout"] = base64.b64encode(bytes(bufs[out_r])).decode()
    else:
        result["record"] = bytes(bufs[res_r]).decode("utf-8", "replace")
    if fetched is not None:
        result["files"] = fetched
    return result


def compile_cpp(job, syntax_only=False):
    """Compile the program once with g++ inside the sandbox; keep the binary in a sealed memfd."""
    comp = job["compile"]
    tmp = CONFIG["tmp"]
    src = os.path.join(tmp, "solution.cpp")
    exe = os.path.join(tmp, "solution")
    restore_files(job.get("files"))
    with open(src, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(job["code"])
    argv = [comp["compiler"], *comp["flags"], "-o", exe, src]
    if syntax_only:
        argv = [comp["compiler"], *comp["flags"], "-fsyntax-only", src]
    lim = dict(job["limits"])
    lim.update(
        memory=comp["memory"],
        file_size=comp["binary_size"],
        processes=max(lim["processes"], 16),
        timeout=comp["timeout"],
        open_files=max(lim["open_files"], 256),
    )
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open("/dev/null", os.O_RDONLY)
    pid = os.fork()
    if pid == 0:
        try:
            child_common(null, out_w, err_w, None)
            set_limits(lim)
            env = {"PATH": "/usr/bin:/bin", "HOME": tmp, "TMPDIR": tmp, "LANG": "C.UTF-8"}
            os.execve(argv[0], argv, env)
        finally:
            os._exit(EXIT_HARNESS)
    for fd in (null, out_w, err_w):
        os.close(fd)
    outcome, status, bufs, elapsed = collect(pid, out_r, err_r, None, comp["timeout"], 1 << 20)
    os.close(out_r)
    os.close(err_r)
    exited = outcome is Outcome.EXITED
    ok = exited and status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    info = {
        "ok": bool(ok),
        "status": ("ok" if ok else "error") if exited else outcome.value,
        "exit": os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else None,
        "time": round(elapsed, 6),
        "stderr": bytes(bufs[err_r])[:2048].decode("utf-8", "replace"),
    }
    binary_fd = None
    if ok and not syntax_only:
        try:
            st = os.stat(exe, follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or st.st_size > comp["binary_size"]:
                raise OSError("binary too large or not a file")
            binary_fd = os.memfd_create("solution", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
            with open(exe, "rb") as f:
                data = f.read(comp["binary_size"] + 1)
            if len(data) > comp["binary_size"]:
                raise OSError("binary too large")
            view = memoryview(data)
            while view:
                view = view[os.write(binary_fd, view) :]
            # Sealed: no test can rewrite the binary that later tests run.
            fcntl.fcntl(
                binary_fd,
                fcntl.F_ADD_SEALS,
                fcntl.F_SEAL_WRITE | fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL,
            )
        except OSError as exc:
            if binary_fd is not None:
                os.close(binary_fd)
                binary_fd = None
            info.update(ok=False, status="binary_size", stderr=str(exc))
    wipe(tmp)
    return info, binary_fd


def run_job(job):
    binary_fd = None
    response = {"results": []}
    if job["lang"] == "cpp":
        info, binary_fd = compile_cpp(job, syntax_only=job.get("syntax_only", False))
        response["compile"] = info
        if not info["ok"] or job.get("syntax_only"):
            return response
    timeouts = 0
    try:
        for test in job["tests"]:
            if job.get("max_timeouts") and timeouts >= job["max_timeouts"]:
                response["results"].append({"status": "skipped"})
                continue
            result = run_test(job, test, binary_fd)
            if result["status"] == "timeout":
                timeouts += 1
            response["results"].append(result)
    finally:
        if binary_fd is not None:
            os.close(binary_fd)
    return response


# --------------------------------------------------------------------------------------------
# Start-up.


def install_seccomp(bpf):
    """Load a compiled seccomp filter (layers without bwrap, which loads it itself)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_no_new_privs, pr_set_seccomp, seccomp_mode_filter = 38, 22, 2

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(bpf, len(bpf))
    prog = SockFprog(len(bpf) // 8, ctypes.cast(buf, ctypes.c_void_p))
    if libc.prctl(pr_set_no_new_privs, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
    if libc.prctl(pr_set_seccomp, seccomp_mode_filter, ctypes.byref(prog), 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP failed")


def prctl(option, value):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")


CONFIG = {}


def main():
    # The protocol moves to high fds; 0/1 become harmless so that nothing stray corrupts it.
    proto_in = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 500)
    proto_out = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 500)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    if sys.path and sys.path[0] in ("", "."):
        sys.path.pop(0)
    CONFIG.update(read_frame(proto_in))
    # Non-dumpable: a test running as our uid can neither ptrace us nor open /proc/<us>/fd/*.
    prctl(4, 0)  # PR_SET_DUMPABLE
    if not CONFIG["pid1"]:
        prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphaned daemons come back to us to be killed
    if CONFIG.get("seccomp"):
        install_seccomp(base64.b64decode(CONFIG["seccomp"]))
    for name in CONFIG.get("preload", ()):
        try:
            __import__(name)
        except Exception:
            pass
    os.makedirs(CONFIG["tmp"], exist_ok=True)
    wipe(CONFIG["tmp"])
    write_frame(proto_out, {"ready": True, "pid": os.getpid(), "uid": os.getuid()})
    while True:
        try:
            job = read_frame(proto_in)
        except EOFError:
            return
        if job.get("op") == "ping":
            write_frame(proto_out, {"pong": True, "left": other_pids() if CONFIG["pid1"] else []})
            continue
        try:
            response = run_job(job)
        except Exception as exc:  # report, the parent decides (it restarts the worker)
            response = {"error": f"{type(exc).__name__}: {exc}"}
            kill_everything()
            wipe(CONFIG["tmp"])
        write_frame(proto_out, response)


if __name__ == "__main__":
    try:
        main()
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
