"""The tracking snippet in headless Chromium, on a page served from another origin: nothing is
sent and nothing stored before consent; after `leadwerk('consent', true)` the page view
arrives; `leadwerk('consent', false)` forgets the visitor id."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Request, sync_playwright
from sqlalchemy import select
from starlette.types import ASGIApp, Receive, Scope, Send

from leadwerk.app import create_app
from leadwerk.capture.tracking.models import TrackingEvent, Visitor
from leadwerk.capture.tracking.types import EventType
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.conftest import TEST_SECRET
from tests.factories.tracking import BROWSER_UA
from tests.web.test_browser import CHROMIUM_ARGS, _chromium, _free_port

pytestmark = pytest.mark.browser

SITE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Shop home</title>
<script async src="{leadwerk}/t/track.js"></script>
<script>
  window.leadwerk = window.leadwerk || function () {{
    (leadwerk.q = leadwerk.q || []).push(arguments);
  }};
  leadwerk('track', 'before_consent');
</script>
</head><body><h1>Shop</h1></body></html>
"""


@dataclass
class Servers:
    leadwerk: str
    site: str
    db: Database
    seen: list[tuple[str, str]]  # (method, path) of every request Leadwerk received


class Recorder:
    """Notes each request the Leadwerk server receives: beacons included, which Playwright's
    request events do not report."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def servers(fresh_database_url: str, tmp_path: Path) -> Iterator[Servers]:
    site_port = _free_port()
    site = f"http://127.0.0.1:{site_port}"
    settings = Settings(
        environment="dev",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        log_format="console",
        tracking_allowed_origins=[site],
    )
    db = Database.from_url(fresh_database_url, pool_size=5)
    recorder = Recorder(create_app(settings, db=db))
    server = uvicorn.Server(
        uvicorn.Config(
            recorder,
            host="127.0.0.1",
            port=_free_port(),
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn-tracking", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    leadwerk = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    (tmp_path / "index.html").write_text(SITE_PAGE.format(leadwerk=leadwerk))
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), handler)
    site_thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    site_thread.start()
    try:
        yield Servers(leadwerk=leadwerk, site=site, db=db, seen=recorder.seen)
    finally:
        httpd.shutdown()
        httpd.server_close()
        server.should_exit = True
        thread.join(timeout=15)
        db.dispose()


def _stored(db: Database) -> list[tuple[str, EventType, str | None, str | None]]:
    with db.read() as s:
        rows = s.execute(
            select(Visitor.anonymous_id, TrackingEvent.type, TrackingEvent.url, TrackingEvent.name)
            .join(Visitor, Visitor.id == TrackingEvent.visitor_id)
            .order_by(TrackingEvent.id)
        ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_nothing_before_consent_then_the_page_view_arrives(servers: Servers) -> None:
    executable = _chromium()
    sent: list[str] = []

    def on_request(request: Request) -> None:
        if "/t/events" in request.url:
            sent.append(request.method)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(user_agent=BROWSER_UA)
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.on("request", on_request)
            page.goto(f"{servers.site}/index.html")
            page.wait_for_function("typeof window.leadwerk.visitorId === 'function'")
            page.evaluate("leadwerk('track', 'still_before_consent')")
            page.wait_for_timeout(1500)  # longer than the snippet's flush interval

            # Before consent: no request, no cookie, nothing in localStorage, no id.
            assert sent == []
            assert servers.seen == [("GET", "/t/track.js")]
            assert page.evaluate("document.cookie") == ""
            assert page.evaluate("window.localStorage.length") == 0
            assert page.evaluate("leadwerk.visitorId()") is None
            assert context.cookies() == []
            assert _stored(servers.db) == []

            page.evaluate("leadwerk('consent', true)")
            vid = page.evaluate("window.localStorage.getItem('leadwerk.vid')")
            assert isinstance(vid, str)
            assert len(vid) == 32
            page.evaluate("leadwerk('track', 'newsletter_opened', {issue: 12})")
            deadline = time.monotonic() + 10
            while len(_stored(servers.db)) < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert _stored(servers.db) == [
                (vid, EventType.PAGE_VIEW, f"{servers.site}/index.html", None),
                (vid, EventType.EVENT, f"{servers.site}/index.html", "newsletter_opened"),
            ]
            assert ("POST", "/t/events") in servers.seen  # cross-origin, no preflight needed
            assert ("OPTIONS", "/t/events") not in servers.seen
            assert page.evaluate("document.cookie") == ""
            assert context.cookies() == []

            # Withdrawn: the id is forgotten and nothing more is sent.
            page.evaluate("leadwerk('consent', false)")
            assert page.evaluate("window.localStorage.length") == 0
            count = len(servers.seen)
            page.evaluate("leadwerk('track', 'after_withdrawal')")
            page.wait_for_timeout(1500)
            assert len(servers.seen) == count
            assert len(_stored(servers.db)) == 2
        finally:
            browser.close()
