"""Faults: a grader, a scorer or a sandbox killed mid-request, a client that disconnects, a full
queue, and SIGTERM with requests in flight."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import httpx
import pytest
from server_test_support import CLEAN_EXIT, CODE_ARGS, ServerProcess, cmdline, descendants, metric

TESTS = json.dumps({"test_cases": [{"type": "stdin_stdout", "input": "2", "output": "4"}]})


def code_row(seconds: float) -> dict:
    """A row of the code reward whose program sleeps, then answers right."""
    program = f"import time\ntime.sleep({seconds})\nprint(int(input()) * 2)"
    return {"completion": f"```python\n{program}\n```", "verification_info": TESTS}


class Call(threading.Thread):
    """A request in a thread of its own (status, body and time once done)."""

    def __init__(self, server, path: str, body: dict, timeout: float = 120) -> None:
        super().__init__(daemon=True)
        self.server, self.path, self.body, self.timeout = server, path, body, timeout
        self.response: httpx.Response | None = None
        self.error: Exception | None = None
        self.seconds = 0.0
        self.start()

    def run(self) -> None:
        start = time.monotonic()
        try:
            self.response = httpx.post(
                self.server.url + self.path, json=self.body, headers=self.server.headers, timeout=self.timeout
            )
        except Exception as exc:
            self.error = exc
        self.seconds = time.monotonic() - start

    def result(self) -> httpx.Response:
        self.join(self.timeout + 5)
        assert self.response is not None, self.error
        return self.response


def metrics_text(server) -> str:
    return httpx.get(server.url + "/metrics", headers=server.headers, timeout=30).text


def wait_until(condition, timeout: float = 30.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(step)


def test_grader_killed_mid_request(main_server):
    # a trigonometric power keeps a math grader busy in sympy until its deadline (60 s on this server)
    row = {"completion": "\\boxed{\\sin(x)^{2000}+\\cos(x)^{2000}}", "solution": "1"}
    call = Call(main_server, "/v1/score", {"rows": [row]})
    time.sleep(1.5)
    graders = main_server.grader_pids()
    assert graders, "no math grading worker found"
    for pid in graders:
        os.kill(pid, signal.SIGKILL)
    r = call.result()
    assert r.status_code == 200, r.text
    assert call.seconds < 30  # answered when the grader died, not at its deadline
    scored = r.json()["rows"][0]
    assert scored["rewards"]["accuracy"] == 0.0  # the reward's timeout value
    assert scored["counts"].get("accuracy/errors") == 1.0
    assert r.json()["summary"]["errors"]["accuracy"] == 1
    assert metric(metrics_text(main_server), "verifiers_worker_restarts_total", kind="grader") >= 1
    ok = httpx.post(
        main_server.url + "/v1/score",
        json={"rows": [{"completion": "\\boxed{3}", "solution": "3"}]},
        headers=main_server.headers,
        timeout=60,
    )
    assert ok.json()["rows"][0]["rewards"]["accuracy"] == 1.0


def test_sandbox_killed_mid_run_code(main_server):
    program = "import time\ntime.sleep(1.5)\nprint('done')"
    call = Call(main_server, "/run_code", {"code": program, "language": "python"})
    time.sleep(0.7)
    sandboxes = [
        p
        for p in descendants(main_server.proc.pid)
        if "supervisor.py" in cmdline(p) and "bwrap" not in cmdline(p)
    ]
    assert sandboxes, "no sandbox found"
    for pid in sandboxes:
        os.kill(pid, signal.SIGKILL)
    r = call.result()
    assert r.status_code == 200
    body = r.json()
    assert (
        body["status"] == "Success" and body["run_result"]["stdout"] == "done\n"
    )  # run again in a fresh sandbox
    assert metric(metrics_text(main_server), "verifiers_worker_restarts_total", kind="sandbox") >= 1
    assert httpx.get(main_server.url + "/health", timeout=10).json()["status"] == "ok"


def test_scorer_killed_mid_request(code_server):
    call = Call(code_server, "/v1/score", {"rows": [code_row(3)]})
    time.sleep(1.0)
    scorers = code_server.scorer_pids()
    assert len(scorers) == 1
    os.kill(scorers[0], signal.SIGKILL)
    r = call.result()
    assert r.status_code == 200, r.text
    assert call.seconds < 15
    body = r.json()
    assert body["rows"][0]["rewards"] == {"code": 0.0} and body["rows"][0]["counts"] == {"code/errors": 1.0}
    assert body["summary"]["errors"] == {"code": 1}
    assert metric(metrics_text(code_server), "verifiers_worker_restarts_total", kind="scorer") >= 1
    # a fresh scorer takes the next request
    again = httpx.post(
        code_server.url + "/v1/score", json={"rows": [code_row(0)]}, headers=code_server.headers, timeout=120
    )
    assert again.json()["rows"][0]["rewards"] == {"code": 1.0}
    code_server.remember()


def test_client_that_disconnects_has_its_queued_rows_dropped(code_server):
    before = metrics_text(code_server)
    busy = Call(code_server, "/v1/score", {"rows": [code_row(2)]})
    wait_until(lambda: httpx.get(code_server.url + "/health", timeout=10).json()["running_rows"] == 1)
    with pytest.raises(httpx.ReadTimeout):  # queued behind the busy row; the client gives up
        httpx.post(
            code_server.url + "/v1/score",
            json={"rows": [code_row(0)] * 3},
            headers=code_server.headers,
            timeout=0.5,
        )
    assert busy.result().status_code == 200
    wait_until(lambda: httpx.get(code_server.url + "/health", timeout=10).json()["running_rows"] == 0)
    after = metrics_text(code_server)
    assert (
        metric(after, "verifiers_cancelled_rows_total") - metric(before, "verifiers_cancelled_rows_total")
        == 3
    )
    scored = metric(after, "verifiers_rows_total", endpoint="/v1/score") - metric(
        before, "verifiers_rows_total", endpoint="/v1/score"
    )
    assert scored == 1  # the busy row only: the three dropped rows never reached a scorer
    assert metric(after, "verifiers_queue_rows") == 0


def test_full_queue_gets_429_with_retry_after(code_server):
    busy = Call(code_server, "/v1/score", {"rows": [code_row(2)]})
    wait_until(lambda: httpx.get(code_server.url + "/health", timeout=10).json()["running_rows"] == 1)
    waiting = Call(code_server, "/v1/score", {"rows": [code_row(0)] * 4})  # fills the queue (4 rows)
    wait_until(lambda: httpx.get(code_server.url + "/health", timeout=10).json()["queue_rows"] == 4)
    refused = httpx.post(
        code_server.url + "/v1/score", json={"rows": [code_row(0)]}, headers=code_server.headers, timeout=30
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1 and "queue is full" in refused.json()["detail"]
    assert busy.result().status_code == 200
    assert waiting.result().json()["rows"][0]["rewards"] == {"code": 1.0}
    assert metric(metrics_text(code_server), "verifiers_rejected_requests_total", reason="queue_full") >= 1


def test_sigterm_drains_requests_in_flight(tmp_path):
    server = ServerProcess(*CODE_ARGS, log=tmp_path / "sigterm.log").wait_ready()
    try:
        running = Call(server, "/v1/score", {"rows": [code_row(1.5)]})
        wait_until(lambda: httpx.get(server.url + "/health", timeout=10).json()["running_rows"] == 1)
        queued = Call(server, "/v1/score", {"rows": [code_row(0.5)]})
        wait_until(lambda: httpx.get(server.url + "/health", timeout=10).json()["queue_rows"] == 1)
        server.remember()
        server.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.ConnectError):  # no longer accepting
            httpx.get(server.url + "/health", timeout=5)
        for call in (running, queued):
            r = call.result()
            assert r.status_code == 200, r.text
            assert r.json()["rows"][0]["rewards"] == {"code": 1.0}
    finally:
        code = server.stop()  # waits for the exit and checks that no process is left
    assert code in CLEAN_EXIT, server.log()
    assert "Application shutdown complete" in server.log()
