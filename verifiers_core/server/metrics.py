"""Prometheus metrics of the reward server, through the official client library.

Each app has a registry of its own (several apps in one process, as in tests, do not collide).
Names: ``verifiers_requests_total{endpoint,status}``, ``verifiers_request_seconds{endpoint}``,
``verifiers_rows_total{endpoint}``, ``verifiers_queue_rows``, ``verifiers_running_rows``,
``verifiers_run_code_jobs``, ``verifiers_reward_events_total{reward,event}`` (``nones``,
``timeouts``, ``errors``), ``verifiers_worker_restarts_total{kind}`` (``scorer``: a scoring
process; ``grader``: a reward's worker inside a scorer, e.g. a math grader or a code sandbox;
``sandbox``: a ``/run_code`` sandbox), ``verifiers_rejected_requests_total{reason}`` and
``verifiers_cancelled_rows_total``.

>>> m = ServerMetrics()
>>> m.requests.labels(endpoint="/v1/score", status="200").inc()
>>> b"verifiers_requests_total" in m.render()[0]
True
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

#: Paths reported by name; anything else is ``other`` (no label per random path).
KNOWN_PATHS = ("/get_reward", "/slime/reward", "/v1/score", "/run_code", "/health", "/metrics")


class ServerMetrics:
    """The server's metrics in one registry."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter(
            "verifiers_requests",
            "HTTP requests answered, by endpoint and status",
            ["endpoint", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "verifiers_request_seconds",
            "Time from request to answer, by endpoint",
            ["endpoint"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
            registry=r,
        )
        self.rows = Counter("verifiers_rows", "Rows scored, by endpoint", ["endpoint"], registry=r)
        self.queue_rows = Gauge("verifiers_queue_rows", "Rows waiting for a scorer", registry=r)
        self.running_rows = Gauge("verifiers_running_rows", "Rows being scored", registry=r)
        self.code_jobs = Gauge("verifiers_run_code_jobs", "/run_code programs waiting or running", registry=r)
        self.reward_events = Counter(
            "verifiers_reward_events",
            "Rows with no value, timeouts and errors, by reward",
            ["reward", "event"],
            registry=r,
        )
        self.restarts = Counter(
            "verifiers_worker_restarts", "Worker processes restarted, by kind", ["kind"], registry=r
        )
        self.rejected = Counter(
            "verifiers_rejected_requests",
            "Requests refused before scoring, by reason",
            ["reason"],
            registry=r,
        )
        self.cancelled_rows = Counter(
            "verifiers_cancelled_rows", "Rows dropped because their client went away", registry=r
        )

    def render(self) -> tuple[bytes, str]:
        """The text exposition and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def endpoint_label(path: str) -> str:
    """The ``endpoint`` label of a path.

    >>> endpoint_label("/v1/score"), endpoint_label("/random/path")
    ('/v1/score', 'other')
    """
    return path if path in KNOWN_PATHS else "other"


class MetricsMiddleware:
    """Counts every answer by endpoint and status and times it (pure ASGI)."""

    def __init__(self, app, metrics: ServerMetrics) -> None:  # type: ignore[no-untyped-def]
        self.app, self.metrics = app, metrics

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        import time

        endpoint = endpoint_label(scope.get("path", ""))
        start = time.perf_counter()
        status = [499]  # no answer sent: the client went away first

        async def watched_send(message) -> None:  # type: ignore[no-untyped-def]
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except Exception:
            status[0] = 500
            raise
        finally:
            self.metrics.requests.labels(endpoint=endpoint, status=str(status[0])).inc()
            self.metrics.latency.labels(endpoint=endpoint).observe(time.perf_counter() - start)
