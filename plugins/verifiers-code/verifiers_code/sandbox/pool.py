"""Warm sandboxed workers, one per core: each is a long-lived sandbox running the supervisor.

A job is one completion (its program and all its tests); jobs are spread over the workers, and the
tests of a job run one after another in that job's worker (a C++ program is compiled there once).
A worker that dies or stops answering is killed with its whole sandbox and started again.

>>> limits = Limits(timeout=2.0)
>>> limits.to_supervisor()["output"]
1048576
"""

from __future__ import annotations

import os
import queue
import subprocess
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from verifiers_core.processes import (
    FrameError,
    PerProcess,
    child_pids,
    hard_kill,
    read_frame,
    usable_cpus,
    write_frame,
)

from .layers import Launch, SandboxUnavailable, choose_layer, make_launch, seccomp_filter

_SUPERVISOR = Path(__file__).with_name("supervisor.py")
#: Modules the supervisor imports once, so that forked tests find them loaded. Not ``random`` nor
#: ``threading``: their at-fork hooks (reseeding, thread bookkeeping) would cost every test ~0.4 ms.
PRELOAD = (
    "math",
    "collections",
    "itertools",
    "functools",
    "heapq",
    "bisect",
    "string",
    "operator",
    "array",
    "copy",
    "re",
    "typing",
    "decimal",
    "fractions",
    "dataclasses",
)
MAX_FRAME = 1 << 30
#: What a worker error says for each way a frame can fail (see :class:`~verifiers_core.processes.FrameError`).
_FRAME_ERRORS = {"timeout": "the sandbox did not answer in time", "eof": "the sandbox exited"}


class WorkerError(RuntimeError):
    """A worker died, answered garbage, or did not answer in time."""


@dataclass(frozen=True)
class Limits:
    """Per-test limits (wall-clock seconds, MiB, counts, bytes) and C++ build limits.

    >>> Limits(memory_mb=256).to_supervisor()["memory"] == 256 << 20
    True
    """

    timeout: float = 2.0
    memory_mb: int = 512
    processes: int = 16
    file_size_mb: int = 8
    open_files: int = 64
    output_bytes: int = 1 << 20
    tmp_size_mb: int = 64
    compile_timeout: float = 20.0
    compile_memory_mb: int = 2048
    binary_size_mb: int = 32
    cpp_flags: tuple[str, ...] = ("-O2", "-std=c++17", "-pipe")

    def to_supervisor(self) -> dict[str, Any]:
        return {
            "timeout": self.timeout,
            "memory": self.memory_mb << 20,
            "processes": self.processes,
            "file_size": self.file_size_mb << 20,
            "open_files": self.open_files,
            "output": self.output_bytes,
        }

    def compile_settings(self) -> dict[str, Any]:
        return {
            "compiler": "/usr/bin/g++",
            "flags": list(self.cpp_flags),
            "timeout": self.compile_timeout,
            "memory": self.compile_memory_mb << 20,
            "binary_size": self.binary_size_mb << 20,
        }


class Worker:
    """One sandbox with its supervisor; not thread-safe (a pool thread owns it)."""

    def __init__(self, layer: str, limits: Limits, bpf: bytes | None) -> None:
        self.layer = layer
        self.limits = limits
        self.bpf = bpf
        self.proc: subprocess.Popen | None = None
        self.launch: Launch | None = None
        self.sandbox_pid: int | None = None
        self.restarts = 0

    def start(self) -> None:
        source = _SUPERVISOR.read_bytes()
        launch = make_launch(self.layer, len(source), self.limits.tmp_size_mb << 20, self.bpf)
        self._errfile = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                launch.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._errfile,
                bufsize=0,
                **launch.popen_kwargs(),
            )
        finally:
            launch.after_start()
        self.launch = launch
        try:
            self._send_raw(source)
            config = {
                "tmp": launch.tmp,
                "pid1": launch.pid1,
                "preload": list(PRELOAD),
                "seccomp": _b64(launch.seccomp_in_supervisor) if launch.seccomp_in_supervisor else None,
            }
            write_frame(self.proc.stdin.fileno(), config)
            ready = self._read_frame(time.monotonic() + 30.0)
        except (OSError, WorkerError) as exc:
            err = self._stderr_tail()
            self.stop()
            raise WorkerError(f"the {self.layer} sandbox did not start: {exc}; {err}") from None
        if not isinstance(ready, dict) or not ready.get("ready"):
            self.stop()
            raise WorkerError(f"the {self.layer} sandbox answered {ready!r} at start-up")
        self.sandbox_pid = ready.get("pid")

    def _send_raw(self, data: bytes) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        view = memoryview(data)
        fd = self.proc.stdin.fileno()
        while view:
            view = view[os.write(fd, view) :]

    def _read_frame(self, deadline: float) -> Any:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            return read_frame(self.proc.stdout.fileno(), deadline=deadline, max_bytes=MAX_FRAME)
        except FrameError as exc:
            raise WorkerError(_FRAME_ERRORS.get(exc.kind, f"the sandbox sent {exc}")) from None

    def request(self, job: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one job and wait for its answer (raises :class:`WorkerError`).

        A sandbox found dead (killed, or exited while idle) is started again first and counted in
        ``restarts``."""
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self.restarts += 1
            self.stop()
            self.start()
        assert self.proc is not None
        try:
            write_frame(self.proc.stdin.fileno(), job)
            answer = self._read_frame(time.monotonic() + timeout)
        except OSError as exc:
            raise WorkerError(f"lost the sandbox: {exc}") from None
        if not isinstance(answer, dict):
            raise WorkerError(f"the sandbox answered {type(answer).__name__}")
        return answer

    def ping(self, timeout: float = 5.0) -> dict[str, Any]:
        """Ask the supervisor which processes are left in its sandbox (for tests)."""
        return self.request({"op": "ping"}, timeout)

    def stop(self, graceful: bool = False) -> None:
        """End the sandbox and everything in it.

        ``graceful``: close the protocol pipe so that the supervisor exits by itself (as pid 1 its
        exit ends the whole pid namespace) and bwrap reaps it. Otherwise, or if that takes too
        long, the supervisor is killed first (so that bwrap still reaps it: killing bwrap first
        would leave the supervisor to the host's init), then bwrap's process group.
        """
        proc, self.proc = self.proc, None
        if proc is not None:
            for stream in (proc.stdin,):
                try:
                    if stream is not None:
                        stream.close()
                except OSError:
                    pass
            if graceful:
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            if proc.poll() is None:
                for child in child_pids(proc.pid):
                    hard_kill(child)
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    pass
            if proc.poll() is None:
                hard_kill(proc.pid, group=True)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            try:
                if proc.stdout is not None:
                    proc.stdout.close()
            except OSError:
                pass
        if self.launch is not None:
            self.launch.after_stop()
            self.launch = None

    def _stderr_tail(self) -> str:
        try:
            self._errfile.seek(0)
            text = self._errfile.read()[-2000:].decode(errors="replace").strip()
        except (OSError, AttributeError):
            return ""
        return text or "no error output"


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


class SandboxPool:
    """``workers`` warm sandboxes; :meth:`run` spreads jobs over them.

    >>> pool = SandboxPool(workers=1, isolation="none", require_namespaces=False)
    >>> job = {"lang": "python", "code": "print(input()[::-1])",
    ...        "tests": [{"kind": "stdio", "stdin": "YWJj"}]}  # "abc"
    >>> pool.run([job])[0]["results"][0]["stdout"]  # base64 of "cba\\n"
    'Y2JhCg=='
    >>> pool.close()
    """

    def __init__(
        self,
        workers: int | None = None,
        limits: Limits | None = None,
        isolation: str = "auto",
        require_namespaces: bool = True,
    ) -> None:
        self.limits = limits or Limits()
        self.layer = choose_layer(isolation, require_namespaces)
        self.n_workers = max(1, workers or usable_cpus())
        self._bpf = seccomp_filter()
        self._workers = [Worker(self.layer, self.limits, self._bpf) for _ in range(self.n_workers)]
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._pid = os.getpid()
        self._count_lock = threading.Lock()
        #: Sandboxes started again since this pool started (found dead, or failed on a job).
        self.restarts = 0

    def job_timeout(self, job: dict[str, Any]) -> float:
        """The parent's hard deadline for a whole job: every test's timeout plus margins."""
        per_test = sum(float(t.get("timeout", self.limits.timeout)) + 1.0 for t in job.get("tests", ()))
        compile_timeout = float(job.get("compile", {}).get("timeout", self.limits.compile_timeout))
        build = compile_timeout + 2.0 if job.get("lang") == "cpp" else 0.0
        return per_test + build + 15.0

    def run(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Run jobs (one per completion) over the workers; one answer dict per job, in order.

        An answer is the supervisor's (``results`` per test, ``compile`` for C++), or
        ``{"error": reason}`` when the sandbox failed twice on that job. ``restarts`` (set here,
        never by the sandbox) counts the sandboxes started again while serving that job: one
        found dead, or one that failed on the job and was replaced for the retry.
        """
        futures = [self.submit(job) for job in jobs]
        return [future.result() for future in futures]

    def submit(self, job: dict[str, Any]) -> Future:
        """Queue one job; the :class:`~concurrent.futures.Future` resolves to its answer dict.

        A future cancelled before a worker picks the job up is skipped (a server's client that
        went away). Thread-safe; many callers may submit at once.

        >>> pool = SandboxPool(workers=1, isolation="none", require_namespaces=False)
        >>> pool.submit({"lang": "python", "code": "print(1)", "tests": [{"kind": "stdio"}]}).result()["results"][0]["status"]
        'ok'
        >>> pool.close()
        """
        if not self.owned:
            raise WorkerError("a SandboxPool cannot be used from a forked process; build a new one")
        future: Future = Future()
        with self._lock:
            self._ensure_threads()
        self._queue.put((job, future))
        return future

    def _ensure_threads(self) -> None:
        """One long-lived thread per worker. Workers must be started from a thread that outlives
        them: bwrap's --die-with-parent (PR_SET_PDEATHSIG) fires when the starting thread exits."""
        if self._threads:
            return
        for worker in self._workers:
            thread = threading.Thread(target=self._serve, args=(worker,), daemon=True, name="code-sandbox")
            thread.start()
            self._threads.append(thread)

    def _serve(self, worker: Worker) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                worker.stop(graceful=True)
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue  # cancelled while queued
            try:
                answer = self._run_one(worker, job)
            except Exception as exc:  # never lose a job: the caller is waiting for it
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            future.set_result(answer)

    def _run_one(self, worker: Worker, job: dict[str, Any]) -> dict[str, Any]:
        job = {**job, "limits": {**self.limits.to_supervisor(), **job.get("limits", {})}}
        if job.get("lang") == "cpp":  # the job may override the pool's compile settings
            job["compile"] = {**self.limits.compile_settings(), **job.get("compile", {})}
        last = "unknown"
        restarts = 0
        answer: dict[str, Any] | None = None
        for _attempt in range(2):
            before = worker.restarts
            try:
                reply = worker.request(job, self.job_timeout(job))
            except (WorkerError, SandboxUnavailable, OSError) as exc:
                last = str(exc)
                reply = None
            restarts += worker.restarts - before
            if reply is not None and "error" not in reply:
                answer = reply
                break
            if reply is not None:  # the supervisor caught an internal failure; restart to be safe
                last = str(reply["error"])
            worker.stop()
            worker.restarts += 1
            restarts += 1
        if answer is None:
            answer = {"error": last}
        with self._count_lock:
            self.restarts += restarts
        answer["restarts"] = restarts
        return answer

    @property
    def owned(self) -> bool:
        """Whether this process started the pool (a forked child must leave it alone).

        >>> SandboxPool(workers=1, isolation="none", require_namespaces=False).owned
        True
        """
        return os.getpid() == self._pid

    def close(self) -> None:
        """Stop every worker (and everything in their sandboxes); nothing in a forked child."""
        if not self.owned:
            return
        threads, self._threads = self._threads, []
        for _ in threads:
            self._queue.put(None)
        for thread in threads:
            thread.join(timeout=15)
        for worker in self._workers:
            worker.stop(graceful=True)

    def __del__(self) -> None:  # best effort; atexit covers the shared pools
        try:
            self.close()
        except Exception:
            pass


# Closed at exit; a fork of the trainer (a DataLoader worker, say) starts without them: it must not
# drive or stop its parent's sandboxes.
_shared: PerProcess[tuple, SandboxPool] = PerProcess(close=lambda pool: pool.close())


def shared_pool(workers: int | None, limits: Limits, isolation: str, require_namespaces: bool) -> SandboxPool:
    """One pool per process and settings, shared by the code rewards (so 3 rewards ≠ 3× sandboxes).

    >>> a = shared_pool(1, Limits(), "none", False); a is shared_pool(1, Limits(), "none", False)
    True
    """
    key = (workers, tuple(sorted(asdict(limits).items())), isolation, require_namespaces)
    return _shared.get(key, lambda: SandboxPool(workers, limits, isolation, require_namespaces))


def worker_restarts() -> int:
    """Sandbox workers restarted so far by this process's shared pools (for a server's metrics).

    >>> worker_restarts() >= 0
    True
    """
    return sum(pool.restarts for pool in _shared.values())
