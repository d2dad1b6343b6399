"""Headers every UI response carries: a strict Content-Security-Policy (scripts and styles only
from our own origin, no inline script), no framing, no MIME sniffing, a tight referrer policy."""

from __future__ import annotations

from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from leadwerk.settings import Settings

# Paths the UI does not own: the JSON API, its docs (Swagger needs inline script) and probes.
NOT_UI_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz")

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def headers(settings: Settings, *, cacheable: bool = False) -> dict[str, str]:
    values = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if settings.secure_cookies:
        values["Strict-Transport-Security"] = "max-age=31536000"
    if not cacheable:
        # Pages show personal data: keep them out of shared caches and the disk cache.
        values["Cache-Control"] = "no-store"
    return values


def form_page_headers(
    settings: Settings,
    *,
    frame_ancestors: str,
    form_targets: tuple[str, ...] = (),
    widget_origin: str | None = None,
) -> dict[str, str]:
    """The headers of a hosted form page (/f/{slug}): the strict policy, except that the
    form's allowed origins may frame it (CSP frame-ancestors, so no X-Frame-Options), its
    thank-you redirect target is a form-action, and a challenge widget may load."""
    values = headers(settings)
    del values["X-Frame-Options"]
    directives = []
    for directive in CONTENT_SECURITY_POLICY.split("; "):
        name = directive.split(" ", 1)[0]
        if name == "frame-ancestors":
            directive = f"frame-ancestors {frame_ancestors}"
        elif name == "form-action" and form_targets:
            directive = " ".join([directive, *form_targets])
        elif name in ("script-src", "connect-src") and widget_origin:
            directive = f"{directive} {widget_origin}"
        directives.append(directive)
    if widget_origin:
        directives.append(f"frame-src {widget_origin}")
    values["Content-Security-Policy"] = "; ".join(directives)
    return values


def apply(response: Response, settings: Settings) -> None:
    for name, value in headers(settings).items():
        response.headers.setdefault(name, value)


class StaticHeaders:
    """Wraps the static file apps: security headers, and long caching (URLs carry a hash)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.extra = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in headers(settings, cacheable=True).items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *self.extra,
                    (b"cache-control", b"public, max-age=86400"),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
