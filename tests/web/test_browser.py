"""The UI in headless Chromium against a real server: sign in, see the lead list, filter it,
open a lead, see its timeline, edit it, sign out. Once with htmx and once without it (the UI
must work as plain forms and links when the npm package is not installed)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import ConsoleMessage, expect, sync_playwright

from leadwerk.app import create_app
from leadwerk.auth.types import Role
from leadwerk.leads.types import Stage
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from leadwerk.web.templating import StaticAssets, find_node_modules
from tests.conftest import TEST_SECRET
from tests.factories.auth import PASSWORD, make_user
from tests.factories.leads import make_lead

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI") == "true"


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        if IN_CI:
            pytest.fail("Debian's chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    url: str
    admin_email: str
    htmx: bool


@pytest.fixture(params=[True, False], ids=["htmx", "plain"])
def live_server(
    request: pytest.FixtureRequest, fresh_database_url: str, tmp_path: Path
) -> Iterator[LiveServer]:
    htmx = bool(request.param)
    if htmx and not StaticAssets.discover(find_node_modules(None)).scripts:
        message = "htmx is not installed: run `npm ci` in the project folder"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    overrides = {} if htmx else {"static_vendor_dir": tmp_path / "no-node-modules"}
    settings = Settings(
        environment="dev",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        log_format="console",
        **overrides,  # type: ignore[arg-type]
    )
    db = Database.from_url(fresh_database_url, pool_size=5)
    with db.transaction() as s:
        admin = make_user(s, role=Role.ADMIN, email="admin@example.com")
        make_lead(
            s,
            email="anna.mueller@example.de",
            first_name="Anna",
            last_name="Müller",
            company="Müller Maschinenbau GmbH",
            utm_source="google",
            utm_medium="cpc",
            utm_campaign="fruehjahr",
            stage=Stage.MQL,
        )
        make_lead(s, email="ben@example.com", first_name="Ben", last_name="Becker")
        make_lead(s, email="clara@example.com", first_name="Clara", last_name="Schmidt")
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, db=db),
            host="127.0.0.1",
            port=_free_port(),
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", admin_email=admin.email, htmx=htmx)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        db.dispose()


def test_sign_in_filter_open_a_lead_and_sign_out(live_server: LiveServer) -> None:
    executable = _chromium()
    base = live_server.url
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(message.text)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US")
            page = context.new_page()
            page.on("console", on_console)
            page.set_default_timeout(10_000)
            names = page.locator("#lead-results tbody th a")

            # Strangers are sent to the login page, which brings them back afterwards.
            page.goto(f"{base}/leads")
            expect(page).to_have_url(f"{base}/login?next=%2Fleads")
            expect(page.locator("h1")).to_have_text("Sign in to Leadwerk")
            page.get_by_label("Email address").fill(live_server.admin_email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{base}/leads")

            # The list, newest first.
            expect(page.locator("h1")).to_have_text("Leads")
            expect(names).to_have_text(["Clara Schmidt", "Ben Becker", "Anna Müller"])
            page.wait_for_load_state("load")
            htmx_loaded = page.evaluate("typeof window.htmx === 'object'")
            assert htmx_loaded is live_server.htmx

            # Filter by stage: htmx swaps the results in place and puts the filter in the URL;
            # without htmx the Filter button loads the page anew.
            page.evaluate("window.leadwerkMarker = 'still here'")
            page.get_by_label("Stage").select_option("mql")
            if not live_server.htmx:
                page.get_by_role("button", name="Filter").click()
            expect(page).to_have_url(
                f"{base}/leads?q=&stage=mql&channel=&owner_id=&created_from=&created_to="
            )
            expect(names).to_have_text(["Anna Müller"])
            marker = page.evaluate("window.leadwerkMarker ?? 'reloaded'")
            assert marker == ("still here" if live_server.htmx else "reloaded")

            # Open the lead and read its timeline.
            page.get_by_role("link", name="Anna Müller").click()
            expect(page.locator("h1")).to_have_text("Anna Müller")
            timeline = page.locator(".timeline__title")
            expect(timeline).to_have_text(["Lead created", "Received through the API"])
            expect(page.locator(".facts").nth(1)).to_contain_text("fruehjahr")

            # Edit it: a real form post with its CSRF token.
            page.get_by_label("Stage").select_option("sql")
            page.get_by_role("button", name="Save changes").click()
            expect(page.get_by_role("status")).to_have_text("The lead was saved.")
            expect(timeline).to_have_text(
                [
                    "Lead changed",
                    "Stage: Marketing qualified (MQL) → Sales qualified (SQL)",
                    "Lead created",
                    "Received through the API",
                ]
            )

            # Sign out through the user menu; the session is gone.
            page.locator(".user-menu summary").click()
            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(f"{base}/login")
            page.goto(f"{base}/leads")
            expect(page).to_have_url(f"{base}/login?next=%2Fleads")
            context.close()
        finally:
            browser.close()
    assert problems == []
