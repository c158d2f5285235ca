"""Bearer-token and body-size checks, as pure ASGI middleware (they run before any body is read
and do not get in the way of detecting a client that disconnects).

The body limit is our own rather than Starlette's ``RequestBodyLimitMiddleware`` because that one
answers a bare "Content Too Large" that does not say which limit was hit or how to change it.

The token is accepted as ``Authorization: Bearer <token>``, or as the password of HTTP Basic
authentication, which is what clients send for a URL such as ``http://any:<token>@host:8000/...``
(OpenRLHF's, slime's, veRL's and SandboxFusion's clients take a URL and no header). ``GET /health``
answers without a token, for load balancers and probes.

>>> token_matches({"authorization": "Bearer s3cret-s3cret-s3cret"}, "s3cret-s3cret-s3cret")
True
>>> import base64
>>> token_matches({"authorization": "Basic " + base64.b64encode(b"x:s3cret-s3cret-s3cret").decode()}, "s3cret-s3cret-s3cret")
True
>>> token_matches({}, "s3cret-s3cret-s3cret"), token_matches({"authorization": "Bearer nope"}, "s3cret-s3cret-s3cret")
(False, False)
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Paths served without a token.
OPEN_PATHS = frozenset({"/health"})


def token_matches(headers: Mapping[str, str], token: str) -> bool:
    """Whether the request's ``Authorization`` header carries ``token`` (constant-time compare)."""
    value = headers.get("authorization", "")
    scheme, _, credentials = value.partition(" ")
    scheme = scheme.lower()
    given = ""
    if scheme == "bearer":
        given = credentials.strip()
    elif scheme == "basic":
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        given = decoded.partition(":")[2]
    return bool(given) and hmac.compare_digest(given.encode(), token.encode())


async def send_json(send: Send, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
    """Answer with a JSON body (from middleware, outside the framework)."""
    data = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class TokenMiddleware:
    """401 for a request without the right token (except :data:`OPEN_PATHS`)."""

    def __init__(
        self, app: ASGIApp, token: str | None, on_reject: Callable[[str], None] | None = None
    ) -> None:
        self.app, self.token, self.on_reject = app, token, on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.token is None or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", ())}
        if token_matches(headers, self.token):
            await self.app(scope, receive, send)
            return
        if self.on_reject is not None:
            self.on_reject("unauthorized")
        await send_json(
            send,
            401,
            {"detail": "missing or wrong token: send 'Authorization: Bearer <token>'"},
            {"www-authenticate": 'Bearer realm="verifiers-core"'},
        )


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body that did not announce its length grows past the limit;
    an HTTP exception, so the framework answers it as a 413 rather than a parse error."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)


class BodyLimitMiddleware:
    """413 for a body over ``limit`` bytes: by its ``Content-Length`` before reading, or while
    reading a body that did not announce its length."""

    def __init__(self, app: ASGIApp, limit: int, on_reject: Callable[[str], None] | None = None) -> None:
        self.app, self.limit, self.on_reject = app, limit, on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for key, value in scope.get("headers", ()):
            if key.lower() == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await self._reject(send, "Content-Length is not a number", 400)
                    return
                if declared > self.limit:
                    await self._reject(send, self._message())
                    return
        seen = 0
        started = False

        async def limited_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    if self.on_reject is not None:
                        self.on_reject("too_large")
                    raise BodyTooLarge(self._message())
            return message

        async def watched_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await send_json(send, 413, {"detail": self._message()})

    def _message(self) -> str:
        return f"request body over the server's limit of {self.limit} bytes (--max-body-bytes)"

    async def _reject(self, send: Send, message: str, status: int = 413) -> None:
        if self.on_reject is not None:
            self.on_reject("too_large" if status == 413 else "malformed")
        await send_json(send, status, {"detail": message})
