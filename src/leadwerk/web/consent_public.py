"""The pages a person reaches from a consent email, without signing in: `/c/{token}`, the
double opt-in confirmation. The link only shows the page; its button (a POST) confirms, so a
mail scanner that opens every link cannot confirm for the person. The token in the address is
the secret (signed, expiring, single use), so the page needs no session and no CSRF cookie."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from leadwerk.consent import optin
from leadwerk.consent.types import RequestStatus
from leadwerk.container import Container
from leadwerk.errors import Conflict, NotFound
from leadwerk.storage.base import utcnow
from leadwerk.web import i18n, security
from leadwerk.web.templating import Templates

router = APIRouter(include_in_schema=False)
_TOKEN_MAX = 200


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _page(
    request: Request, template: str, context: dict[str, Any], language: str, status: int = 200
) -> Response:
    templates: Templates = request.app.state.web.templates
    body = templates.render(language, template, {"language": language, **context})
    response = HTMLResponse(
        body, status_code=status, headers=security.headers(_container(request).settings)
    )
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token must not leak onwards
    return response


def _fallback_language(request: Request) -> str:
    return i18n.choose_language(
        None, request.headers.get("accept-language"), _container(request).settings.default_language
    )


def _problem(request: Request, message: str, status: int) -> Response:
    language = _fallback_language(request)
    return _page(request, "consent/problem.html", {"message": message}, language, status)


def _show(request: Request, token: str) -> Response:
    c = _container(request)
    if len(token) > _TOKEN_MAX:
        return _problem(request, "This confirmation link is not valid.", 404)
    try:
        with c.db.read() as session:
            found = optin.open_request(session, c.consent_links, token)
            request_row = found.request
            context = {
                "purpose": found.purpose.label_de
                if request_row.language == "de"
                else found.purpose.label_en,
                "text": found.text.text if found.text else "",
                "email": request_row.email,
                "state": _state(request_row.status, request_row.expires_at <= utcnow()),
                "token": token,
            }
    except NotFound as exc:
        return _problem(request, exc.message, 404)
    return _page(request, "consent/confirm.html", context, request_row.language)


def _state(status: RequestStatus, past: bool) -> str:
    if status is RequestStatus.CONFIRMED:
        return "confirmed"
    if status is not RequestStatus.PENDING or past:
        return "expired"
    return "pending"


def _confirm(request: Request, token: str) -> Response:
    c = _container(request)
    if len(token) > _TOKEN_MAX:
        return _problem(request, "This confirmation link is not valid.", 404)
    client = request.client.host if request.client else None
    try:
        with c.db.transaction() as session:
            confirmed = optin.confirm(
                session,
                c.consent_links,
                token,
                ip=client,
                user_agent=request.headers.get("user-agent"),
            )
            language = confirmed.language
    except NotFound as exc:
        return _problem(request, exc.message, 404)
    except Conflict:
        return _show(request, token)
    return _page(request, "consent/confirmed.html", {}, language)


@router.get("/c/{token}")
async def show_confirmation(token: str, request: Request) -> Response:
    return await run_in_threadpool(_show, request, token)


@router.post("/c/{token}")
async def confirm(token: str, request: Request) -> Response:
    return await run_in_threadpool(_confirm, request, token)
