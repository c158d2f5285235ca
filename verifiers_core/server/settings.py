"""The reward server's options and limits, checked once at start.

>>> from verifiers_core.suite import SuiteSpec
>>> spec = SuiteSpec.from_options(rewards="format")
>>> ServerSettings(spec=spec).check().host
'127.0.0.1'
>>> ServerSettings(spec=spec, host="0.0.0.0").check()
Traceback (most recent call last):
...
verifiers_core.errors.VerifiersCoreError: --host 0.0.0.0 is reachable from other machines: give --token (clients send it as a bearer token) or --insecure to serve without one
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..errors import VerifiersCoreError
from ..suite import SuiteSpec

#: ``--label-column`` value meaning "each label is a JSON object of columns".
SPREAD_LABEL = "*"
#: ``--label-column`` value meaning "as the adapters: an object gives columns, else the gold goes to
#: each reward's gold column".
AUTO_LABEL = "auto"


@dataclass(frozen=True)
class ServerSettings:
    """Everything the server needs: the reward selection, the address, the token and the limits."""

    spec: SuiteSpec
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None
    insecure: bool = False
    #: Where OpenRLHF's and slime's label goes: ``auto`` (each reward's gold column, or the columns of
    #: an object), a column name, or ``*`` (the label must be an object of columns).
    label_column: str = AUTO_LABEL
    #: Largest request body accepted (bytes).
    max_body_bytes: int = 64 << 20
    #: Most rows (or queries, or samples) in one request.
    max_rows_per_request: int = 4096
    #: Most rows waiting for a scorer; beyond that requests get 429 with Retry-After.
    max_queue_rows: int = 16384
    #: Most rows merged into one scoring call.
    max_batch_rows: int = 1024
    #: Scorer processes (each builds the rewards and their worker pools once).
    scorers: int = 1
    #: Hard deadline of one scoring call; a scorer that overruns it is killed and replaced.
    batch_timeout: float = 600.0
    #: Sandboxes for ``/run_code`` (0: one per core).
    code_workers: int = 0
    #: Most ``/run_code`` jobs waiting or running; beyond that requests get 429.
    max_code_jobs: int = 256
    #: Caps on what a ``/run_code`` request may ask for.
    max_run_timeout: float = 60.0
    max_compile_timeout: float = 60.0
    max_memory_mb: int = 4096
    #: Memory of a ``/run_code`` program when the request says ``memory_limit_MB: -1``.
    default_memory_mb: int = 1024
    #: Seconds SIGTERM waits for requests in flight before giving up on them.
    drain_timeout: float = 120.0

    def check(self) -> ServerSettings:
        """Refuse settings that would be unsafe or cannot work; return ``self``."""
        if not is_loopback(self.host) and not self.token and not self.insecure:
            raise VerifiersCoreError(
                f"--host {self.host} is reachable from other machines: give --token (clients send it "
                "as a bearer token) or --insecure to serve without one"
            )
        if self.token is not None and len(self.token) < 16:
            raise VerifiersCoreError("--token must be at least 16 characters (e.g. `openssl rand -hex 24`)")
        if not 0 <= self.port <= 65535:
            raise VerifiersCoreError(f"--port must be between 0 and 65535, got {self.port}")
        positive = {
            "--max-body-bytes": self.max_body_bytes,
            "--max-rows-per-request": self.max_rows_per_request,
            "--max-queue-rows": self.max_queue_rows,
            "--max-batch-rows": self.max_batch_rows,
            "--scorers": self.scorers,
            "--batch-timeout": self.batch_timeout,
            "--max-code-jobs": self.max_code_jobs,
            "--max-run-timeout": self.max_run_timeout,
            "--max-compile-timeout": self.max_compile_timeout,
            "--max-memory-mb": self.max_memory_mb,
            "--default-memory-mb": self.default_memory_mb,
            "--drain-timeout": self.drain_timeout,
        }
        for flag, value in positive.items():
            if not value > 0:
                raise VerifiersCoreError(f"{flag} must be positive, got {value}")
        if self.code_workers < 0:
            raise VerifiersCoreError(
                f"--code-workers must be 0 (one per core) or more, got {self.code_workers}"
            )
        if self.max_rows_per_request > self.max_queue_rows:
            raise VerifiersCoreError(
                f"--max-rows-per-request ({self.max_rows_per_request}) cannot exceed --max-queue-rows "
                f"({self.max_queue_rows}): such a request could never be queued"
            )
        if self.default_memory_mb > self.max_memory_mb:
            raise VerifiersCoreError("--default-memory-mb cannot exceed --max-memory-mb")
        if not self.label_column:
            raise VerifiersCoreError("--label-column must name a column, or be '*' (labels are objects)")
        return self


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only.

    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "10.0.0.5", "example.org")]
    [True, True, True, False, False, False]
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere
