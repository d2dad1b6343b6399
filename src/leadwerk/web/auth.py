"""Signing in and out, and the user's own profile (the UI language)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from leadwerk.auth import service as auth
from leadwerk.errors import AuthenticationFailed, ValidationFailed
from leadwerk.web import i18n
from leadwerk.web.context import (
    SESSION_COOKIE,
    Form,
    Page,
    UserPage,
    VisitorPage,
    field,
    safe_next,
)
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

router = web_router()

# One message for every failure, so the form does not tell who has an account.
LOGIN_FAILED = N_("The email address or the password is wrong.")


@router.get("/login")
def login_form(page: VisitorPage, next: str = "/") -> Response:
    if page.principal is not None:
        return page.redirect(safe_next(next))
    return page.render("auth/login.html", {"next": safe_next(next), "email": "", "failed": None})


@router.post("/login")
def login(request: Request, page: VisitorPage, form: Form) -> Response:
    c = page.container
    target = safe_next(field(form, "next"))
    email, password = field(form, "email"), field(form, "password")
    old_token = request.cookies.get(SESSION_COOKIE)
    try:
        with c.db.transaction() as session:
            user = auth.authenticate(session, email, password)
            if old_token:
                auth.end_session(session, old_token)
            token = auth.start_session(
                session,
                user,
                max_age_seconds=c.settings.session_max_age_seconds,
                ip=request.client.host if request.client else None,
                user_agent=request.headers.get("user-agent"),
            )
    except AuthenticationFailed:
        return page.render(
            "auth/login.html",
            {"next": target, "email": email, "failed": page.gettext(LOGIN_FAILED)},
            status_code=401,
        )
    response = page.redirect(target)
    page.set_session_cookie(response, token)
    return response


@router.post("/logout")
def logout(request: Request, page: VisitorPage) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with page.container.db.transaction() as session:
            auth.end_session(session, token)
    response = page.redirect("/login")
    page.clear_session_cookie(response)
    return response


def _profile(page: Page, errors: dict[str, str], notice: str | None = None) -> Response:
    return page.render(
        "auth/profile.html",
        {
            "area": None,
            "language_options": [(code, i18n.NATIVE_NAMES[code]) for code in i18n.SUPPORTED],
            "current": page.user.language or "",
            "errors": errors,
            "notice": notice,
        },
    )


@router.get("/profile")
def profile(page: UserPage, saved: bool = False) -> Response:
    return _profile(page, {}, page.gettext(N_("Your settings were saved.")) if saved else None)


@router.post("/profile")
def save_profile(page: UserPage, form: Form) -> Response:
    page.on_invalid(lambda errors: _profile(page, errors))
    language = field(form, "language") or None
    if language is not None and language not in i18n.SUPPORTED:
        raise ValidationFailed({"language": N_("Choose one of the languages offered.")})
    with page.container.db.transaction() as session:
        auth.set_language(session, page.user.id, language)
    return page.redirect("/profile?saved=true")
