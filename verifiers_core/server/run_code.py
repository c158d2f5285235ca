"""SandboxFusion's ``POST /run_code``, run in the code plugin's sandbox.

The request and answer have SandboxFusion's shapes, so its ``sandbox-fusion`` client and veRL's
``sandbox_fusion.url`` work unchanged. The program runs in the code plugin's sandbox
(:mod:`verifiers_code.sandbox`: namespaces, seccomp, rlimits, uid 65534, a private ``/tmp`` that
is the program's working directory), with the plugin's limits; the request's ``run_timeout``,
``compile_timeout`` and ``memory_limit_MB`` are honoured up to the server's caps.

Languages are the code plugin's (``python``, ``cpp``); any other is answered with status
``SandboxError`` and a message naming the ones served. As in SandboxFusion, a program that exits
non-zero or runs out of time is ``Failed``; ``SandboxError`` is for failures of the sandbox itself.
Differences: ``stderr`` keeps the first KiB; a program that writes more than the output cap (1 MiB)
is killed (return code -9, noted in ``stderr``); Python errors are reported as one line
(``ValueError: ...``), not a traceback.

>>> RunCodeRequest(code="print(1)", language="python").run_timeout
10.0
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import signal
from concurrent.futures import Future
from typing import Any

from pydantic import BaseModel, ConfigDict

from .batching import QueueFull
from .protocols import RequestError
from .settings import ServerSettings

logger = logging.getLogger("verifiers_core.server")

#: SandboxFusion's statuses.
SUCCESS, FAILED, SANDBOX_ERROR = "Success", "Failed", "SandboxError"
FINISHED, ERROR, TIME_LIMIT = "Finished", "Error", "TimeLimitExceeded"


class RunCodeRequest(BaseModel):
    """SandboxFusion's ``RunCodeRequest`` (same fields, same defaults)."""

    model_config = ConfigDict(extra="ignore")
    code: str
    language: str
    compile_timeout: float = 10.0
    run_timeout: float = 10.0
    memory_limit_MB: int = -1
    stdin: str | None = None
    files: dict[str, str | None] = {}
    fetch_files: list[str] = []


def clean_path(name: str) -> str | None:
    """A file name relative to the program's working directory, or ``None`` if it would leave it.

    >>> clean_path("data/in.txt"), clean_path("./a"), clean_path("../etc/passwd"), clean_path("/etc/passwd")
    ('data/in.txt', 'a', None, None)
    """
    if not name or "\x00" in name or name.startswith("/"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def sandbox_error(message: str) -> dict[str, Any]:
    """An answer with status ``SandboxError``."""
    return {
        "status": SANDBOX_ERROR,
        "message": message,
        "compile_result": None,
        "run_result": None,
        "executor_pod_name": None,
        "files": {},
    }


class CodeRunner:
    """Runs ``/run_code`` requests on a sandbox pool of its own, started on first use."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.pending = 0
        self._pool: Any = None
        self._pool_error: str | None = None
        self._languages: tuple[str, ...] = ()
        self._start_lock = asyncio.Lock()

    @property
    def restarts(self) -> int:
        """Sandboxes restarted so far (0 before the pool starts)."""
        return getattr(self._pool, "restarts", 0)

    @property
    def layer(self) -> str | None:
        """The isolation layer in use, once started."""
        return getattr(self._pool, "layer", None)

    async def _ensure_pool(self) -> Any:
        async with self._start_lock:
            if self._pool is None and self._pool_error is None:
                self._pool, self._pool_error = await asyncio.to_thread(self._start_pool)
            return self._pool

    def _start_pool(self) -> tuple[Any, str | None]:
        try:
            from verifiers_code.sandbox.layers import SandboxUnavailable
            from verifiers_code.sandbox.pool import Limits, SandboxPool
        except ImportError:
            return None, "the code plugin (verifiers-code) is not installed on this server"
        try:
            pool = SandboxPool(
                workers=self.settings.code_workers or None,
                limits=Limits(memory_mb=self.settings.default_memory_mb),
                isolation="auto",
                require_namespaces=True,
            )
        except SandboxUnavailable as exc:
            logger.error("/run_code is unavailable: %s", exc)
            return None, str(exc)
        logger.info("/run_code: %d sandboxes, isolation layer %r", pool.n_workers, pool.layer)
        return pool, None

    def validate(self, body: RunCodeRequest) -> None:
        """Reject malformed fields (422), before anything runs."""
        for name, value in (("run_timeout", body.run_timeout), ("compile_timeout", body.compile_timeout)):
            if not value > 0:
                raise RequestError([name], f"must be a positive number of seconds, got {value}")
        if body.memory_limit_MB == 0 or body.memory_limit_MB < -1:
            raise RequestError(
                ["memory_limit_MB"],
                f"must be positive, or -1 for the server's default, got {body.memory_limit_MB}",
            )
        for name, data in body.files.items():
            if clean_path(name) is None:
                raise RequestError(
                    ["files", name], "a file path must be relative and stay inside the working directory"
                )
            if data is not None:
                try:
                    base64.b64decode(data, validate=True)
                except (binascii.Error, ValueError):
                    raise RequestError(["files", name], "file content must be base64") from None
        for i, name in enumerate(body.fetch_files):
            if clean_path(name) is None:
                raise RequestError(
                    ["fetch_files", i], "a file path must be relative and stay inside the working directory"
                )

    async def run(self, body: RunCodeRequest, cancelled: asyncio.Event | None = None) -> dict[str, Any]:
        """Run one request; SandboxFusion's answer as a dict. Raises :class:`QueueFull` when full."""
        from verifiers_code.extract import normalize_language

        language = normalize_language(body.language)
        if language not in ("python", "cpp"):
            return sandbox_error(
                f"language {body.language!r} is not supported by this server's sandbox; supported: python, cpp"
            )
        if self.pending >= self.settings.max_code_jobs:
            raise QueueFull(
                f"/run_code has {self.pending} programs waiting or running (at most "
                f"{self.settings.max_code_jobs}); retry later",
                1,
            )
        self.pending += 1
        try:
            pool = await self._ensure_pool()
            if pool is None:
                return sandbox_error(f"no sandbox on this server: {self._pool_error}")
            job, notes = self.job(body, language)
            future: Future = pool.submit(job)
            try:
                answer = await asyncio.wrap_future(future)
            except asyncio.CancelledError:
                future.cancel()  # still queued: never runs; running: finishes, answer dropped
                raise
        finally:
            self.pending -= 1
        return to_response(answer, language, notes)

    def job(self, body: RunCodeRequest, language: str) -> tuple[dict[str, Any], list[str]]:
        """The sandbox job for a request, and notes on limits the server lowered."""
        s = self.settings
        notes = []
        run_timeout = body.run_timeout
        if run_timeout > s.max_run_timeout:
            notes.append(f"run_timeout lowered to the server's maximum of {s.max_run_timeout:g} s")
            run_timeout = s.max_run_timeout
        compile_timeout = body.compile_timeout
        if compile_timeout > s.max_compile_timeout:
            notes.append(f"compile_timeout lowered to the server's maximum of {s.max_compile_timeout:g} s")
            compile_timeout = s.max_compile_timeout
        memory_mb = s.default_memory_mb if body.memory_limit_MB == -1 else body.memory_limit_MB
        if memory_mb > s.max_memory_mb:
            notes.append(f"memory_limit_MB lowered to the server's maximum of {s.max_memory_mb}")
            memory_mb = s.max_memory_mb
        stdin = (body.stdin or "").encode("utf-8", "surrogatepass")
        job: dict[str, Any] = {
            "lang": language,
            "code": body.code,
            "tests": [{"kind": "stdio", "stdin": base64.b64encode(stdin).decode(), "timeout": run_timeout}],
            "limits": {"timeout": run_timeout, "memory": memory_mb << 20},
            "files": {clean_path(k): v for k, v in body.files.items() if v is not None},
            "fetch": [clean_path(name) for name in body.fetch_files],
        }
        if language == "cpp":
            job["compile"] = {"timeout": compile_timeout}
        return job, notes

    def close(self) -> None:
        """Stop the sandboxes."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def _command_result(status: str, time: Any, code: int | None, stdout: str, stderr: str) -> dict[str, Any]:
    return {"status": status, "execution_time": time, "return_code": code, "stdout": stdout, "stderr": stderr}


def to_response(answer: dict[str, Any], language: str, notes: list[str] | None = None) -> dict[str, Any]:
    """SandboxFusion's answer from the sandbox's.

    >>> ok = {"results": [{"status": "ok", "time": 0.01, "exit": 0, "signal": None, "stdout": "aGkK", "stderr": ""}]}
    >>> r = to_response(ok, "python"); r["status"], r["run_result"]["stdout"], r["run_result"]["return_code"]
    ('Success', 'hi\\n', 0)
    >>> to_response({"results": [{"status": "timeout", "time": 1.0, "exit": None, "signal": 9, "stdout": "", "stderr": ""}]}, "python")["run_result"]["status"]
    'TimeLimitExceeded'
    """
    if "error" in answer:
        return sandbox_error(f"the sandbox failed: {answer['error']}")
    response = sandbox_error("")
    response["status"] = SUCCESS
    build = answer.get("compile")
    if language == "cpp":
        if not isinstance(build, dict):
            return sandbox_error("the sandbox returned no compile result")
        timed_out = build.get("status") == "timeout"
        code = build.get("exit")
        stderr = build.get("stderr") or ""
        if not build.get("ok") and not timed_out and not code:
            code = 1  # the binary was too large, or the compiler was killed
            stderr = stderr or f"compilation failed ({build.get('status')})"
        response["compile_result"] = _command_result(
            TIME_LIMIT if timed_out else FINISHED,
            build.get("time"),
            None if timed_out else (code or 0),
            "",
            stderr,
        )
        if not build.get("ok"):
            response["status"] = FAILED
            response["message"] = "; ".join(notes or [])
            return response
    results = answer.get("results") or []
    if not results or not isinstance(results[0], dict):
        return sandbox_error("the sandbox returned no run result")
    run = results[0]
    status = run.get("status")
    stdout = base64.b64decode(run.get("stdout") or "").decode("utf-8", "replace")
    stderr = run.get("stderr") or ""
    if status == "timeout":
        response["run_result"] = _command_result(TIME_LIMIT, run.get("time"), None, stdout, stderr)
        response["status"] = FAILED
    else:
        code = run.get("exit")
        if code is None:
            code = -int(run.get("signal") or signal.SIGKILL)
        if status == "output_limit":
            stderr += "\n[killed: the program wrote more than the server's output limit]"
        response["run_result"] = _command_result(FINISHED, run.get("time"), code, stdout, stderr)
        if code != 0:
            response["status"] = FAILED
    response["files"] = run.get("files") or {}
    response["message"] = "; ".join(notes or [])
    return response
