"""The pages a person reaches from a consent email, without signing in: `/c/{token}`, the
double opt-in confirmation; `/u/{purpose}/{token}`, unsubscribing from one purpose (also the
one-click POST of RFC 8058); `/p/{token}`, the preference center. A link only shows its page;
a button (a POST) acts, so a mail scanner that opens every link cannot act for the person. The
token in the address is the proof (signed by us, expiring), so the pages need no session and
no CSRF cookie."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from leadwerk.consent import mailing, optin
from leadwerk.consent import service as consent
from leadwerk.consent.types import Method, RequestStatus
from leadwerk.container import Container
from leadwerk.errors import Conflict, NotFound
from leadwerk.identity import merging
from leadwerk.leads.models import Lead
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
                "purpose": found.purpose.label_in(request_row.language),
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


# --- unsubscribe (RFC 8058) and the preference center -----------------------------------------


def _lead_now(session: Session, lead_id: int) -> Lead | None:
    """The lead a link was made for, or the lead it was merged into since."""
    lead = session.get(Lead, lead_id)
    if lead is None:
        found = merging.current_survivor(session, lead_id)
        lead = found[1] if found else None
    return lead


def _person_language(request: Request, lead: Lead | None) -> str:
    if lead is not None and lead.language in i18n.SUPPORTED:
        return lead.language
    return _fallback_language(request)


def _unsubscribe(request: Request, purpose: str, token: str, *, confirm: bool) -> Response:
    c = _container(request)
    invalid = "This link is not valid (any more)."
    if len(token) > _TOKEN_MAX or len(purpose) > 64:
        return _problem(request, invalid, 404)
    try:
        with c.db.transaction() as session:
            lead = _lead_now(session, mailing.lead_of_unsubscribe(c.consent_links, purpose, token))
            if lead is None:
                return _problem(request, invalid, 404)
            language = _person_language(request, lead)
            context = {
                "purpose": consent.get_purpose(session, purpose).label_in(language),
                "path": f"/u/{purpose}/{token}",
                "done": confirm,
            }
            if confirm:
                client = request.client.host if request.client else None
                mailing.withdraw(
                    session,
                    lead.id,
                    [purpose],
                    method=Method.UNSUBSCRIBE,
                    ip=client,
                    user_agent=request.headers.get("user-agent"),
                )
    except NotFound as exc:
        return _problem(request, exc.message, 404)
    return _page(request, "consent/unsubscribe.html", context, language)


@router.get("/u/{purpose}/{token}")
async def show_unsubscribe(purpose: str, token: str, request: Request) -> Response:
    return await run_in_threadpool(_unsubscribe, request, purpose, token, confirm=False)


@router.post("/u/{purpose}/{token}")
async def unsubscribe(purpose: str, token: str, request: Request) -> Response:
    """The page's button, and the one-click POST of a mail program (RFC 8058: the body is
    `List-Unsubscribe=One-Click`; no cookie, no session)."""
    return await run_in_threadpool(_unsubscribe, request, purpose, token, confirm=True)


def _preferences(request: Request, token: str, wanted: set[str] | None) -> Response:
    c = _container(request)
    invalid = "This link is not valid (any more)."
    if len(token) > _TOKEN_MAX:
        return _problem(request, invalid, 404)
    try:
        with c.db.transaction() as session:
            lead = _lead_now(session, mailing.lead_of_preferences(c.consent_links, token))
            if lead is None:
                return _problem(request, invalid, 404)
            language = _person_language(request, lead)
            if wanted is not None:
                client = request.client.host if request.client else None
                mailing.set_preferences(
                    session,
                    lead.id,
                    wanted,
                    language=language,
                    ip=client,
                    user_agent=request.headers.get("user-agent"),
                )
            context = {
                "choices": mailing.choices(session, lead.id, language),
                "email": lead.email,
                "path": f"/p/{token}",
                "saved": wanted is not None,
            }
    except NotFound as exc:
        return _problem(request, exc.message, 404)
    return _page(request, "consent/preferences.html", context, language)


@router.get("/p/{token}")
async def show_preferences(token: str, request: Request) -> Response:
    return await run_in_threadpool(_preferences, request, token, None)


@router.post("/p/{token}")
async def save_preferences(token: str, request: Request) -> Response:
    form = await request.form()
    wanted = {v for v in form.getlist("purpose") if isinstance(v, str)}
    return await run_in_threadpool(_preferences, request, token, wanted)
