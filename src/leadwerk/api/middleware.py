"""ASGI middleware for every HTTP route: request id and access log, body limits and checks.

Pure ASGI (no BaseHTTPMiddleware) so it adds little to each request.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadwerk.observability import request_id_var

log = logging.getLogger("leadwerk.http")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _problem(
    status: int, title: str, detail: str, request_id: str
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    return (
        status,
        body,
        [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"x-request-id", request_id.encode()),
        ],
    )


class RequestContextMiddleware:
    """Gives each request an id (kept from `X-Request-ID` when sane), logs one line per request,
    and refuses bodies that are too large, of the wrong type or not UTF-8 before any handler
    runs, so a refused request cannot change anything."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        json_prefix: str = "/api/",
        larger_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.json_prefix = json_prefix
        # Exact paths allowed a body over max_body_bytes (a file upload), with their own limit.
        self.larger_limits = dict(larger_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            refusal: tuple[int, bytes, list[tuple[bytes, bytes]]] | None = None
            if scope["method"] in _BODY_METHODS:
                refusal, receive = await self._check_body(scope, headers, receive, request_id)
            if refusal is not None:
                status, body, response_headers = refusal
                await send_with_id(
                    {"type": "http.response.start", "status": status, "headers": response_headers}
                )
                await send_with_id({"type": "http.response.body", "body": body})
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status_holder["status"],
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status_holder["status"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)

    async def _check_body(
        self, scope: Scope, headers: dict[str, str], receive: Receive, request_id: str
    ) -> tuple[tuple[int, bytes, list[tuple[bytes, bytes]]] | None, Receive]:
        limit = self.larger_limits.get(scope["path"], self.max_body_bytes)
        declared = headers.get("content-length")

        def too_large() -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
            return _problem(
                413,
                "Body too large",
                f"The request body exceeds the limit of {limit} bytes.",
                request_id,
            )

        if declared is not None and declared.isdigit() and int(declared) > limit:
            return too_large(), receive
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return too_large(), receive
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and scope["path"].startswith(self.json_prefix):
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json" and not ctype.endswith("+json"):
                return _problem(
                    415,
                    "Unsupported media type",
                    f"Send the body as JSON with Content-Type: application/json "
                    f"(got {ctype or 'none'!r}).",
                    request_id,
                ), receive
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                return _problem(
                    400,
                    "Invalid encoding",
                    f"The body is not valid UTF-8 (byte {exc.start}).",
                    request_id,
                ), receive
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return None, replay
