"""What a UI request knows about itself: who is signed in, in which language, its CSRF token;
and how it answers (render a template, redirect). Views get it as a FastAPI dependency.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Protocol
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from leadwerk.auth import service as auth
from leadwerk.auth.types import Principal
from leadwerk.container import Container
from leadwerk.errors import AuthenticationFailed, PermissionDenied
from leadwerk.settings import Settings
from leadwerk.web import csrf, i18n, nav
from leadwerk.web.templating import StaticAssets, Templates

SESSION_COOKIE = "lw_session"


class Labelled(Protocol):
    """An enum of the domain: stored as `.value`, shown as `.label`."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


@dataclass
class WebState:
    """Built once by `install` and kept on `app.state.web`."""

    templates: Templates
    assets: StaticAssets


def safe_next(target: str | None) -> str:
    """Only a path on this site may follow the login, never another host (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\t"):
        return "/"
    return target


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login?" + urlencode({"next": here})


def is_htmx(request: Request) -> bool:
    """A request htmx sends to swap part of a page (not a history restore, which needs it all)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


class Page:
    """The UI side of one request."""

    def __init__(self, request: Request, principal: Principal | None) -> None:
        self.request = request
        self.principal = principal
        self.container: Container = request.app.state.container
        self.web: WebState = request.app.state.web
        self.language = i18n.choose_language(
            principal.language if principal else None,
            request.headers.get("accept-language"),
            self.settings.default_language,
        )
        seed = request.cookies.get(csrf.COOKIE)
        self._new_csrf_seed = None if seed else csrf.new_seed()
        self._csrf_seed = seed or self._new_csrf_seed or ""

    @property
    def settings(self) -> Settings:
        return self.container.settings

    @property
    def user(self) -> Principal:
        """The signed-in user, for views that require one."""
        if self.principal is None:
            raise AuthenticationFailed("Sign in first.")
        return self.principal

    @property
    def csrf_token(self) -> str:
        return csrf.token_for(self.settings.secret_key, self._csrf_seed)

    @property
    def htmx(self) -> bool:
        return is_htmx(self.request)

    def gettext(self, message: str) -> str:
        return self.web.templates.gettext(self.language, message)

    def notice(self, notices: Mapping[str, str], key: str | None) -> str | None:
        """The message for a `?notice=<key>` after a redirect; only known keys show anything."""
        return self.gettext(notices[key]) if key is not None and key in notices else None

    def on_invalid(self, render: Callable[[dict[str, str]], Response]) -> None:
        """How to answer a `ValidationFailed` from this request: re-render its form with the
        (translated) field messages. `web.errors` calls it; views need no try/except."""
        self.request.state.on_invalid = render

    def render(
        self,
        template: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        area = context.get("area") if context else None
        full_context = {
            "page": self,
            "principal": self.principal,
            "csrf_token": self.csrf_token,
            "areas": nav.visible_areas(self.principal),
            "current_area": area,
            **(context or {}),
        }
        body = self.web.templates.render(self.language, template, full_context)
        response = HTMLResponse(body, status_code=status_code, headers=dict(headers or {}))
        response.headers["Content-Language"] = self.language
        response.headers["Vary"] = "Cookie, Accept-Language, HX-Request"
        self.finish(response)
        return response

    def redirect(self, url: str) -> Response:
        """After a POST, back to a page by GET (303); htmx follows it the same way."""
        response = RedirectResponse(url, status_code=303)
        self.finish(response)
        return response

    def finish(self, response: Response) -> None:
        """Hands the browser its CSRF cookie the first time a page carries a token."""
        if self._new_csrf_seed is not None:
            response.set_cookie(
                csrf.COOKIE,
                self._new_csrf_seed,
                httponly=True,
                samesite="lax",
                secure=self.settings.secure_cookies,
                path="/",
            )

    def set_session_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=self.settings.session_max_age_seconds,
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
            path="/",
        )

    def clear_session_cookie(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
        )


def signed_in_principal(request: Request) -> Principal | None:
    """The user behind the session cookie (resolved once per request), or None."""
    if hasattr(request.state, "principal"):
        found: Principal | None = request.state.principal
        return found
    principal = None
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        c: Container = request.app.state.container
        with c.db.transaction() as session:
            principal = auth.resolve_session(
                session, token, max_age_seconds=c.settings.session_max_age_seconds
            )
    request.state.principal = principal
    return principal


def visitor_page(request: Request) -> Page:
    """For pages anyone may open (the login page)."""
    return Page(request, signed_in_principal(request))


def user_page(request: Request) -> Page:
    """For pages that need a signed-in user; others are sent to the login page."""
    principal = signed_in_principal(request)
    if principal is None:
        raise AuthenticationFailed("Sign in first.")
    return Page(request, principal)


def require_area(key: str) -> Callable[[Page], Page]:
    """A dependency: a signed-in user allowed into the area `key` (see `nav.AREAS`)."""
    area = nav.AREAS_BY_KEY[key]

    def check(page: Annotated[Page, Depends(user_page)]) -> Page:
        if not area.allowed(page.user):
            raise PermissionDenied(f"This page is for those allowed into {area.key}.")
        return page

    return check


async def form_data(request: Request) -> FormData:
    """The posted form (already read by the CSRF check, so this is free)."""
    return await request.form()


def field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def fields(form: FormData, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str)]


def enum_options(page: Page, members: Iterable[Labelled]) -> list[tuple[str, str]]:
    """(value, translated label) of each member, for a select box."""
    return [(member.value, page.gettext(member.label)) for member in members]


VisitorPage = Annotated[Page, Depends(visitor_page)]
UserPage = Annotated[Page, Depends(user_page)]
Form = Annotated[FormData, Depends(form_data)]
