"""The FastAPI application of the reward server.

Endpoints (all JSON; every one but ``GET /health`` needs the token when the server has one):

- ``POST /get_reward``: OpenRLHF's remote reward protocol.
- ``POST /slime/reward``: slime's remote reward protocol (``?detail=true`` for an object).
- ``POST /v1/score``: rows as ``python -m verifiers_core score`` reads them.
- ``POST /run_code``: SandboxFusion's protocol, on the code plugin's sandbox.
- ``GET /health``, ``GET /metrics`` (Prometheus).

Malformed requests get 422 naming the field (FastAPI's validation, and :class:`RequestError` for
what a schema cannot say); too many rows or too large a body get 413; a full queue gets 429 with
``Retry-After``. A request whose client disconnects is dropped from the queue.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse, Response

from ..integrations.common import gold_columns
from ..integrations.openrlhf import answer_lists
from ..suite import SuiteResult
from .batching import Fallback, QueueFull, Scores, ScoringQueue
from .metrics import MetricsMiddleware, ServerMetrics
from .protocols import (
    OpenRLHFRequest,
    RequestError,
    ScoreRequest,
    SlimeSample,
    check_required_columns,
    check_score_rows,
    openrlhf_rows,
    score_answer,
    slime_answer,
    slime_rows,
)
from .run_code import CodeRunner, RunCodeRequest
from .scorer import ScorerPool
from .security import BodyLimitMiddleware, TokenMiddleware
from .settings import ServerSettings

logger = logging.getLogger("verifiers_core.server")


class ClientGone(Exception):
    """The client disconnected before its answer was ready."""


class ServerState:
    """What the endpoints share: the settings, the suite's shape, the queue, the sandbox runner."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.metrics = ServerMetrics()
        suite = settings.spec.build()  # validates the selection; no pool starts here
        self.suite = suite  # its shape only (keys, lows, gold columns): scoring runs in the scorers
        self.gold_cols = gold_columns(suite)
        self.keys = list(suite.keys)
        self.weights = list(suite.weights)
        self.required = {
            key: tuple(getattr(reward, "required_columns", ()) or ())
            for key, reward in zip(suite.keys, suite.rewards)
        }
        self.fallback = Fallback(
            self.keys, self.weights, [float(getattr(r, "low", 0.0)) for r in suite.rewards]
        )
        self.code = CodeRunner(settings)
        self.scorers: ScorerPool | None = None
        self.queue: ScoringQueue | None = None
        self.ready = False
        self._sandbox_restarts = 0

    async def start(self) -> None:
        """Start the scorers, build the rewards in each and warm their pools, then accept work."""
        s = self.settings
        self.scorers = ScorerPool(s.spec, s.scorers, s.batch_timeout)
        try:
            await asyncio.gather(*(asyncio.wrap_future(f) for f in self.scorers.warm()))
        except Exception as exc:
            self.scorers.kill()
            raise RuntimeError(
                f"the scorers could not build the rewards: {type(exc).__name__}: {exc}"
            ) from exc
        self.queue = ScoringQueue(
            self.scorers,
            self.fallback,
            max_queue_rows=s.max_queue_rows,
            max_batch_rows=s.max_batch_rows,
            concurrency=s.scorers,
            on_batch=self._count_batch,
            on_restarts=lambda kind, n: self.metrics.restarts.labels(kind=kind).inc(n),
        )
        self.queue.start()
        self.ready = True

    async def stop(self) -> None:
        """After uvicorn has drained the requests: stop the queue, the scorers and the sandboxes."""
        self.ready = False
        if self.queue is not None:
            try:
                await asyncio.wait_for(self.queue.drain(), timeout=self.settings.drain_timeout)
            except TimeoutError:
                logger.warning("scoring did not finish within --drain-timeout; stopping anyway")
            await self.queue.stop()
        if self.scorers is not None:
            await asyncio.to_thread(self.scorers.close, 30.0)
        await asyncio.to_thread(self.code.close)

    def _count_batch(self, result: SuiteResult | None, n: int, how: str) -> None:
        events = self.metrics.reward_events
        if result is None:  # the scorer was lost: every row of every reward
            for key in self.keys:
                events.labels(reward=key, event=how).inc(n)
            return
        for outcome in result.outcomes:
            nones = sum(v is None for v in outcome.values)
            if nones:
                events.labels(reward=outcome.key, event="nones").inc(nones)
            for what in ("timeouts", "errors"):
                if outcome.counts.get(what):
                    events.labels(reward=outcome.key, event=what).inc(outcome.counts[what])

    async def score(self, rows: list[dict[str, Any]], request: Request, endpoint: str) -> Scores:
        """Queue ``rows`` and wait for their scores (raises :class:`QueueFull`, :class:`ClientGone`)."""
        if len(rows) > self.settings.max_rows_per_request:
            raise TooManyRows(len(rows), self.settings.max_rows_per_request)
        if not rows:
            return Scores([])
        assert self.queue is not None
        ticket = self.queue.submit(rows)
        self._gauges()
        try:
            scores = await until_disconnect(ticket.future, request)
        except ClientGone:
            if self.queue.cancel(ticket):
                self.metrics.cancelled_rows.inc(len(rows))
            raise
        finally:
            self._gauges()
        self.metrics.rows.labels(endpoint=endpoint).inc(len(rows))
        return scores

    def sync_sandbox_restarts(self) -> None:
        """Count ``/run_code`` sandboxes restarted since the last look."""
        now = self.code.restarts
        if now > self._sandbox_restarts:
            self.metrics.restarts.labels(kind="sandbox").inc(now - self._sandbox_restarts)
        self._sandbox_restarts = now

    def _gauges(self) -> None:
        if self.queue is not None:
            self.metrics.queue_rows.set(self.queue.queued_rows)
            self.metrics.running_rows.set(self.queue.running_rows)
        self.metrics.code_jobs.set(self.code.pending)


class TooManyRows(Exception):
    """More rows in one request than ``--max-rows-per-request``."""

    def __init__(self, n: int, limit: int) -> None:
        super().__init__(
            f"{n} rows in one request; the server takes at most {limit} (--max-rows-per-request)"
        )


async def until_disconnect(awaitable: Awaitable[Any], request: Request) -> Any:
    """Await ``awaitable`` unless the client disconnects first (then :class:`ClientGone`, and the
    awaitable is cancelled)."""
    work = asyncio.ensure_future(awaitable)

    async def disconnected() -> None:
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                return

    watcher = asyncio.ensure_future(disconnected())
    try:
        done, _ = await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if work in done:
        return work.result()
    work.cancel()
    raise ClientGone


def create_app(settings: ServerSettings) -> FastAPI:
    """The application for ``settings`` (started and stopped by its lifespan)."""
    state = ServerState(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await state.start()
        logger.info("scorers ready: rewards %s", ", ".join(state.keys))
        try:
            yield
        finally:
            await state.stop()

    app = FastAPI(
        title="verifiers-core reward server",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.server = state
    reject = state.metrics.rejected

    @app.exception_handler(RequestError)
    async def request_error(request: Request, exc: RequestError) -> JSONResponse:
        reject.labels(reason="malformed").inc()
        return JSONResponse({"detail": exc.detail()}, status_code=422)

    @app.exception_handler(QueueFull)
    async def queue_full(request: Request, exc: QueueFull) -> JSONResponse:
        reject.labels(reason="queue_full").inc()
        return JSONResponse(
            {"detail": str(exc)}, status_code=429, headers={"Retry-After": str(exc.retry_after)}
        )

    @app.exception_handler(TooManyRows)
    async def too_many_rows(request: Request, exc: TooManyRows) -> JSONResponse:
        reject.labels(reason="too_many_rows").inc()
        return JSONResponse({"detail": str(exc)}, status_code=413)

    @app.exception_handler(ClientGone)
    async def client_gone(request: Request, exc: ClientGone) -> Response:
        return Response(status_code=499)  # nobody reads it; logged and counted as 499

    @app.get("/health")
    async def health() -> dict[str, Any]:
        queue = state.queue
        return {
            "status": "ok" if state.ready else "starting",
            "rewards": state.keys,
            "weights": state.weights,
            "scorers": settings.scorers,
            "queue_rows": queue.queued_rows if queue else 0,
            "running_rows": queue.running_rows if queue else 0,
            "run_code": {
                "languages": ["python", "cpp"],
                "isolation": state.code.layer,
                "jobs": state.code.pending,
            },
        }

    @app.get("/metrics")
    async def metrics() -> Response:
        state._gauges()
        state.sync_sandbox_restarts()
        body, content_type = state.metrics.render()
        return Response(body, media_type=content_type)

    @app.post("/get_reward")
    async def get_reward(body: OpenRLHFRequest, request: Request) -> JSONResponse:
        rows, mismatch = openrlhf_rows(body, settings.label_column, state.gold_cols)
        missed = int(sum(mismatch))
        if missed:
            logger.warning(
                "/get_reward: %d of %d queries did not start with their prompt; scored whole",
                missed,
                len(rows),
            )
        check_required_columns(rows, state.required, "labels")
        scores = await state.score(rows, request, "/get_reward")
        return JSONResponse(answer_lists(state.suite, scores.rows, mismatch))

    @app.post("/slime/reward")
    async def slime_reward(
        body: SlimeSample | list[SlimeSample],
        request: Request,
        detail: bool = Query(False, description="answer the dict with the total under 'score'"),
    ) -> JSONResponse:
        batched = isinstance(body, list)
        samples = body if isinstance(body, list) else [body]
        rows = slime_rows(samples, settings.label_column, batched, state.gold_cols)
        check_required_columns(rows, state.required, "label")
        scores = await state.score(rows, request, "/slime/reward")
        answers = [slime_answer(state.suite, row, detail) for row in scores.rows]
        return JSONResponse(answers if batched else answers[0])

    @app.post("/v1/score")
    async def score(body: ScoreRequest, request: Request) -> JSONResponse:
        check_score_rows(body.rows)
        check_required_columns(body.rows, state.required, "rows")
        scores = await state.score(body.rows, request, "/v1/score")
        return JSONResponse(score_answer(scores.rows, state.keys, state.weights, scores.unattributed))

    @app.post("/run_code")
    async def run_code(body: RunCodeRequest, request: Request) -> JSONResponse:
        state.code.validate(body)
        start = time.perf_counter()
        try:
            answer = await until_disconnect(state.code.run(body), request)
        finally:
            state.sync_sandbox_restarts()
        logger.debug(
            "/run_code %s in %.3f s: %s", body.language, time.perf_counter() - start, answer["status"]
        )
        return JSONResponse(answer)

    app.add_middleware(
        BodyLimitMiddleware, limit=settings.max_body_bytes, on_reject=lambda r: reject.labels(reason=r).inc()
    )
    app.add_middleware(
        TokenMiddleware, token=settings.token, on_reject=lambda r: reject.labels(reason=r).inc()
    )
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return app
