"""RFC 9457 problem details: the one place that maps domain errors (and malformed requests)
to HTTP answers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from leadwerk.errors import (
    AuthenticationFailed,
    Conflict,
    DatabaseBehindHead,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("leadwerk.api")

_STATUS: list[tuple[type[DomainError], int, str]] = [
    (ValidationFailed, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (PermissionDenied, 403, "Forbidden"),
    (AuthenticationFailed, 401, "Not authenticated"),
    (Conflict, 409, "Conflict"),
    (DatabaseBehindHead, 503, "Database needs an upgrade"),
]


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_problem(exc: DomainError, instance: str | None = None) -> JSONResponse:
    for exc_type, status, title in _STATUS:
        if isinstance(exc, exc_type):
            errors = None
            detail = exc.message
            if isinstance(exc, ValidationFailed):
                errors = [{"field": f, "message": m} for f, m in exc.errors.items()]
                detail += " " + "; ".join(f"{e['field']}: {e['message']}" for e in errors)
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return problem(status, title, detail, errors=errors, headers=headers, instance=instance)
    return problem(400, "Bad request", exc.message, instance=instance)


def _visible(text: str) -> str:
    """A name the client sent, with control characters and lone surrogates written as
    `\\uXXXX`: shown as sent, and storable (PostgreSQL refuses NUL in text and JSON, and
    UTF-8 has no surrogates; a fuzz run found the 500 through a stored idempotent answer)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [_visible(str(p)) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "This field is unknown; check its spelling against the API documentation."
    if kind == "missing":
        return "This field is required."
    if kind == "json_invalid":
        return "The body is not valid JSON: " + str(err.get("ctx", {}).get("error", err["msg"]))
    return str(err["msg"])


def field_errors(errs: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as [{field, message}], the shape every 422 of the API uses."""
    return [{"field": _field_name(tuple(e["loc"])), "message": _message(e)} for e in errs]


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return domain_problem(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errs):
            first = next(e for e in errs if e.get("type") == "json_invalid")
            return problem(400, "Malformed JSON", _message(first), instance=request.url.path)
        errors = field_errors(errs)
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem(422, "Invalid input", detail, errors=errors, instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            404: "Not found",
            405: "Method not allowed",
            413: "Body too large",
            415: "Unsupported media type",
            400: "Bad request",
            401: "Not authenticated",
            403: "Forbidden",
        }
        return problem(
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            str(exc.detail),
            headers=dict(exc.headers or {}) or None,
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem(
            500,
            "Internal error",
            "Something went wrong on our side; nothing was changed. The request id "
            "in the X-Request-ID header helps the operator find it in the log.",
            instance=request.url.path,
        )
