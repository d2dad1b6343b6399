"""Site tracking over HTTP: the snippet (`GET /t/track.js`), the browser endpoint
(`POST /t/events`, CORS for the configured site origins, a text/plain body as
`navigator.sendBeacon` sends it) and the server-side endpoint (`POST /api/v1/tracking/events`,
an API key with tracking:write).

Handlers are `async`: they validate (pure and quick), hand the events to the group-commit
writer and await its future, so a thousand waiting requests hold no thread.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from leadwerk.api.deps import ContainerDep, require
from leadwerk.api.problems import domain_problem, problem
from leadwerk.api.schemas import Problem
from leadwerk.auth.types import Principal, Scope
from leadwerk.capture.tracking import rules
from leadwerk.capture.tracking.types import ParsedBatch
from leadwerk.capture.tracking.writer import EventWriter, WriterStopped
from leadwerk.errors import ValidationFailed
from leadwerk.settings import Settings
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

log = logging.getLogger("leadwerk.tracking")
SNIPPET = Path(__file__).resolve().parents[1] / "web" / "static" / "js" / "track.js"
WAIT_SECONDS = 30.0

router = APIRouter(tags=["tracking"])
TrackingWriter = Annotated[Principal, Depends(require(Scope.TRACKING_WRITE))]


def build_writer(settings: Settings, db: Database) -> EventWriter:
    return EventWriter.for_database(
        db,
        flush_seconds=settings.tracking_flush_seconds,
        batch_size=settings.tracking_batch_size,
        threads=settings.tracking_writer_threads,
    )


@lru_cache(maxsize=1)
def _snippet() -> bytes:
    return SNIPPET.read_bytes()


@router.get("/t/track.js", include_in_schema=False)
async def track_js() -> Response:
    return Response(
        _snippet(),
        media_type="text/javascript; charset=utf-8",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


def _refused(request: Request, origin: str | None) -> JSONResponse:
    return problem(
        403,
        "Forbidden",
        f"The origin {origin or '(none)'} may not send tracking events; add it to "
        "LEADWERK_TRACKING_ALLOWED_ORIGINS.",
        headers={"Vary": "Origin"},
        instance=request.url.path,
    )


def _settings(request: Request) -> Settings:
    # Read here rather than through a dependency: the hot path skips FastAPI's resolution.
    settings: Settings = request.app.state.container.settings
    return settings


@router.options("/t/events", include_in_schema=False)
async def preflight(request: Request) -> Response:
    origin = request.headers.get("origin")
    if not rules.origin_allowed(origin, _settings(request).tracking_allowed_origins):
        return _refused(request, origin)
    assert origin is not None
    return Response(
        status_code=204,
        headers={
            **_cors(origin),
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": "86400",
        },
    )


@router.post("/t/events", include_in_schema=False)
async def collect(request: Request) -> Response:
    """Events from the snippet. The body is JSON whatever its Content-Type says."""
    settings = _settings(request)
    origin = request.headers.get("origin")
    if not rules.origin_allowed(origin, settings.tracking_allowed_origins):
        return _refused(request, origin)
    assert origin is not None
    headers = _cors(origin)
    if rules.is_bot(request.headers.get("user-agent")):
        return JSONResponse({"accepted": 0, "rejected": [], "ignored": "bot"}, 202, headers)
    try:
        payload = rules.decode_body(await request.body())
    except ValidationFailed as exc:
        response = domain_problem(exc, request.url.path)
        response.status_code = 400
        response.headers.update(headers)
        return response
    return await _accept(request, settings, payload, headers)


class EventsIn(BaseModel):
    """A batch of events of one visitor; each event is checked on its own (docs/tracking.md)."""

    model_config = ConfigDict(extra="forbid")
    visitor_id: str = Field(
        min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$", examples=["3f9c0e4b2a7d4c1e"]
    )
    events: list[dict[str, Any]] = Field(
        min_length=1,
        max_length=1000,
        examples=[[{"type": "page_view", "url": "https://www.example.com/pricing?utm_source=x"}]],
    )


class RejectedOut(BaseModel):
    index: int
    errors: dict[str, str]


class AcceptedOut(BaseModel):
    accepted: int
    rejected: list[RejectedOut]


@router.post(
    "/api/v1/tracking/events",
    status_code=202,
    response_model=AcceptedOut,
    responses={
        code: {"model": Problem, "content": {"application/problem+json": {}}}
        for code in (400, 401, 403, 413, 415, 422, 503)
    },
)
async def collect_from_server(
    body: EventsIn, request: Request, c: ContainerDep, _who: TrackingWriter
) -> Response:
    """Events sent by a server (a shop backend, a tag manager's server container) with an API
    key. No origin check and no bot filter; the same validation and storage as the snippet's."""
    return await _accept(request, c.settings, body.model_dump(), {})


async def _accept(
    request: Request, settings: Settings, payload: Any, headers: dict[str, str]
) -> Response:
    try:
        batch = rules.parse_batch(
            payload,
            now=utcnow(),
            skew=timedelta(seconds=settings.tracking_clock_skew_seconds),
            max_events=settings.tracking_max_events_per_request,
        )
    except ValidationFailed as exc:
        return _with(domain_problem(exc, request.url.path), headers)
    if not batch.events:
        return _with(domain_problem(_all_refused(batch), request.url.path), headers)
    writer: EventWriter = request.app.state.tracking_writer
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            await asyncio.wrap_future(writer.submit(batch.events))
    except WriterStopped as exc:
        return _unavailable(request, exc.message, headers)
    except Exception:
        log.exception("tracking events could not be stored")
        return _unavailable(
            request, "The events could not be stored; send them again later.", headers
        )
    return JSONResponse(
        {
            "accepted": len(batch.events),
            "rejected": [{"index": r.index, "errors": r.errors} for r in batch.rejected],
        },
        202,
        headers,
    )


def _all_refused(batch: ParsedBatch) -> ValidationFailed:
    errors = {
        f"events[{r.index}].{name}": message
        for r in batch.rejected
        for name, message in r.errors.items()
    }
    return ValidationFailed(errors, "No event of the batch was accepted.")


def _with(response: Response, headers: dict[str, str]) -> Response:
    response.headers.update(headers)
    return response


def _unavailable(request: Request, detail: str, headers: dict[str, str]) -> Response:
    return problem(
        503,
        "Service unavailable",
        detail,
        headers={**headers, "Retry-After": "5"},
        instance=request.url.path,
    )
