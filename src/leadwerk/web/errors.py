"""The one place that turns domain errors (and a refused CSRF token) into what a UI user sees.

    NotFound              → 404 page (also for a lead the user may not see: no leak)
    PermissionDenied      → 403 page
    AuthenticationFailed  → to the login page, coming back here afterwards
    ValidationFailed      → the form again, input kept, a message at each field (422)
    Conflict              → 409 page with the domain's message
    DatabaseBehindHead    → 503 page naming the command to run
    CsrfRejected          → 403 page; nothing was changed

Messages of the domain are written in English; those in the catalog are shown translated.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
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
from leadwerk.web import security
from leadwerk.web.context import Page, is_htmx, login_url
from leadwerk.web.csrf import CsrfRejected
from leadwerk.web.i18n import N_

log = logging.getLogger("leadwerk.web")

_PAGES: list[tuple[type[Exception], int, str, str]] = [
    (
        NotFound,
        404,
        N_("Not found"),
        N_("This page does not exist, or it is not visible to you."),
    ),
    (
        PermissionDenied,
        403,
        N_("Not allowed"),
        N_("Your role does not allow you to open this page. Ask an administrator if you need it."),
    ),
    (
        CsrfRejected,
        403,
        N_("The form has expired"),
        N_(
            "The form was not sent from a page of this site, or it has expired. Nothing was "
            "changed. Go back, reload the page and try again."
        ),
    ),
    (Conflict, 409, N_("This cannot be done now"), ""),
    (DatabaseBehindHead, 503, N_("The database needs an upgrade"), ""),
]


def _page(request: Request) -> Page:
    principal = getattr(request.state, "principal", None)
    return Page(request, principal)


def error_page(request: Request, status: int, title: str, message: str, **extra: Any) -> Response:
    page = _page(request)
    response = page.render(
        "layout/error.html",
        {
            "area": None,
            "title": page.gettext(title),
            "message": page.gettext(message) if message else "",
            **extra,
        },
        status_code=status,
    )
    security.apply(response, page.settings)
    return response


async def translate(request: Request, exc: DomainError | CsrfRejected) -> Response:
    if isinstance(exc, AuthenticationFailed):
        return _to_login(request)
    if isinstance(exc, ValidationFailed):
        render = getattr(request.state, "on_invalid", None)
        page = _page(request)
        errors = {name: page.gettext(message) for name, message in exc.errors.items()}
        if render is not None:
            response: Response = await run_in_threadpool(render, errors)
            response.status_code = 422
            return response
        return error_page(
            request, 422, N_("Some fields are invalid"), "", errors=sorted(errors.items())
        )
    for exc_type, status, title, message in _PAGES:
        if isinstance(exc, exc_type):
            text = message or (exc.message if isinstance(exc, DomainError) else "")
            return error_page(request, status, title, text)
    text = exc.message if isinstance(exc, DomainError) else ""
    return error_page(request, 400, N_("This cannot be done"), text)


def _to_login(request: Request) -> Response:
    target = login_url(request) if request.method == "GET" else "/login"
    if is_htmx(request):
        response: Response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    security.apply(response, request.app.state.container.settings)
    return response


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(security.NOT_UI_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "")


async def _call(handler: Any, request: Request, exc: Exception) -> Response:
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    response: Response = result
    return response


def install(app: FastAPI) -> None:
    """HTML error pages for browsers outside the API: unknown URLs, wrong methods, crashes.

    The API's handlers (installed before) still answer everything else, so API clients keep
    getting problem details."""
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_crash = app.exception_handlers.get(Exception)

    async def http_error(request: Request, exc: Exception) -> Response:
        if _wants_html(request) and isinstance(exc, StarletteHTTPException):
            if exc.status_code == 404:
                return error_page(request, 404, *_PAGES[0][2:])
            if exc.status_code == 405:
                return error_page(
                    request,
                    405,
                    N_("Not possible here"),
                    N_("This address does not accept that kind of request."),
                )
        if api_http is None:
            raise exc
        return await _call(api_http, request, exc)

    async def crash(request: Request, exc: Exception) -> Response:
        if _wants_html(request):
            log.exception("unhandled error", extra={"path": request.url.path})
            return error_page(
                request,
                500,
                N_("Something went wrong"),
                N_(
                    "Something went wrong on our side. The request id in the X-Request-ID "
                    "header helps the operator find it in the log."
                ),
            )
        if api_crash is None:
            raise exc
        return await _call(api_crash, request, exc)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, crash)
