"""A reward server started as users start it (``python -m verifiers_core serve``), on 127.0.0.1,
stopped by SIGTERM, with a check that no process it started is left behind."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from verifiers_core.processes import descendant_pids

TOKEN = "test-token-0123456789abcdef"

#: A clean exit after SIGTERM: uvicorn drains, then re-raises the signal (or exits 0).
CLEAN_EXIT = (0, -signal.SIGTERM)

#: The main test server: math and format rewards, a token, a small queue and row cap so that the
#: load test meets 429s; a long grading deadline so that a grader can be killed mid-request.
MAIN_ARGS = (
    "--rewards",
    "accuracy,format",
    "--reward-weights",
    "1,0.5",
    "--reward-arg",
    "accuracy.timeout=60",
    "--reward-arg",
    "accuracy.workers=2",
    "--max-queue-rows",
    "32",
    "--max-rows-per-request",
    "16",
    "--max-batch-rows",
    "16",
    "--max-body-bytes",
    "200000",
    "--code-workers",
    "2",
    "--max-run-timeout",
    "5",
)


#: A server of the code reward with one scorer and a queue of 4 rows: programs that sleep hold it.
CODE_ARGS = (
    "--rewards",
    "code",
    "--reward-arg",
    "code.timeout=10",
    "--max-queue-rows",
    "4",
    "--max-batch-rows",
    "4",
    "--scorers",
    "1",
)


def metric(text: str, name: str, **labels: str) -> float:
    """A sample's value in a Prometheus text exposition (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc; sessions and process groups do not matter)."""
    return set(descendant_pids(pid))


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def parent(pid: int) -> int:
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(data[data.rfind(")") + 2 :].split()[1])


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rfind(")") + 2] != "Z"


class ServerProcess:
    """``python -m verifiers_core serve ARGS`` on a free port of 127.0.0.1."""

    def __init__(self, *args: str, token: str | None = TOKEN, log: Path | None = None) -> None:
        self.port = free_port()
        self.token = token
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "verifiers_core", "serve", "--port", str(self.port), *args]
        if token:
            argv += ["--token", token]
        self.log_path = log
        self._log = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=subprocess.STDOUT)
        self.seen: set[int] = set()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def wait_ready(self, timeout: float = 120.0) -> ServerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the server exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as r:
                    if json.load(r)["status"] == "ok":
                        self.remember()
                        return self
            except (OSError, urllib.error.URLError, ValueError):
                pass
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"the server did not become ready in {timeout} s:\n{self.log()}")

    def remember(self) -> set[int]:
        """Note the processes below the server now (checked for at stop)."""
        now = descendants(self.proc.pid)
        self.seen |= now
        return now

    def log(self) -> str:
        if self.log_path is None:
            return "(no log)"
        try:
            return self.log_path.read_text()[-6000:]
        except OSError:
            return ""

    def scorer_pids(self) -> list[int]:
        return [p for p in descendants(self.proc.pid) if "spawn_main" in cmdline(p) and alive(p)]

    def grader_pids(self) -> list[int]:
        """Math grading workers: forks of the zygote (their parent runs verifiers_math.worker too)."""
        return [
            p
            for p in descendants(self.proc.pid)
            if "verifiers_math.worker" in cmdline(p)
            and "verifiers_math.worker" in cmdline(parent(p))
            and alive(p)
        ]

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, wait, and check that every process seen below the server is gone."""
        self.remember()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(
                f"the server did not exit within {timeout} s of SIGTERM:\n{self.log()}"
            ) from None
        deadline = time.monotonic() + 10
        left = {p for p in self.seen if alive(p)}
        while left and time.monotonic() < deadline:
            time.sleep(0.1)
            left = {p for p in left if alive(p)}
        if self._log is not subprocess.DEVNULL:
            self._log.close()
        assert not left, f"processes left behind: {[(p, cmdline(p)) for p in left]}"
        return code

    def kill(self) -> None:
        for p in descendants(self.proc.pid) | {self.proc.pid}:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        self.proc.wait(timeout=10)
