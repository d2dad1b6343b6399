"""Forms in headless Chromium across origins: the hosted page, the script-embedded form and the
iframe on a page of another origin (a second server), a German visitor's errors, and a site
that is not allowed being refused; then the three leads in the Leadwerk UI."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import ConsoleMessage, Page, expect, sync_playwright

from leadwerk.app import create_app
from leadwerk.auth.types import Role
from leadwerk.capture.forms.types import ConsentPurpose, FieldType, FormDefinition, FormField, Text
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.conftest import TEST_SECRET
from tests.factories.auth import PASSWORD, make_user
from tests.factories.forms import make_form
from tests.web.test_browser import CHROMIUM_ARGS, _chromium, _free_port

pytestmark = pytest.mark.browser

SIGN_UP = FormDefinition(
    title=Text("Get the guide", "Leitfaden anfordern"),
    submit_label=Text("Send", "Senden"),
    thank_you=Text("Thank you, the guide is on its way.", "Danke, der Leitfaden kommt."),
    fields=(
        FormField(
            "email",
            FieldType.EMAIL,
            Text("Email", "E-Mail"),
            help=Text("We send the guide there.", "Dorthin senden wir den Leitfaden."),
            required=True,
        ),
        FormField("first_name", FieldType.TEXT, Text("First name", "Vorname"), required=True),
        FormField("company", FieldType.TEXT, Text("Company", "Firma")),
    ),
    purposes=(
        ConsentPurpose(
            "privacy",
            Text("I agree to the privacy notice.", "Ich stimme dem Datenschutzhinweis zu."),
            required=True,
        ),
    ),
)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Sites:
    leadwerk: str  # http://127.0.0.1:<port>
    allowed: str  # http://localhost:<port2>: allowed to embed the form
    refused: str  # http://127.0.0.1:<port2>: the same pages, from an origin not allowed
    admin_email: str


def _host_pages(folder: Path, leadwerk: str) -> None:
    icon = '<link rel="icon" href="data:,">'
    (folder / "script.html").write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{icon}"
        "<title>Partner page (script)</title></head><body><h1>Partner page</h1>"
        '<div data-leadwerk-form="guide" data-lang="en"></div>'
        f'<script src="{leadwerk}/f/embed.js" async></script></body></html>',
        encoding="utf-8",
    )
    (folder / "iframe.html").write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{icon}"
        "<title>Partner page (iframe)</title></head><body><h1>Partner page</h1>"
        f'<iframe src="{leadwerk}/f/guide?embed=1&amp;lang=en" title="Get the guide" '
        'width="600" height="700"></iframe></body></html>',
        encoding="utf-8",
    )


@pytest.fixture
def sites(fresh_database_url: str, tmp_path: Path) -> Iterator[Sites]:
    lw_port, host_port = _free_port(), _free_port()
    leadwerk = f"http://127.0.0.1:{lw_port}"
    allowed = f"http://localhost:{host_port}"
    settings = Settings(
        environment="dev",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        log_format="console",
        base_url=leadwerk,
        form_min_fill_seconds=0,  # Chromium fills faster than a person; tested elsewhere
    )
    db = Database.from_url(fresh_database_url, pool_size=5)
    with db.transaction() as s:
        admin = make_user(s, role=Role.ADMIN, email="admin@example.com")
        make_form(s, SIGN_UP, slug="guide", name="Guide", allowed_origins=(allowed,))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, db=db),
            host="127.0.0.1",
            port=lw_port,
            log_config=None,
            access_log=False,
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, name="uvicorn-forms", daemon=True)
    thread.start()
    pages = tmp_path / "partner"
    pages.mkdir()
    _host_pages(pages, leadwerk)
    static = ThreadingHTTPServer(
        ("127.0.0.1", host_port), functools.partial(_QuietHandler, directory=str(pages))
    )
    static_thread = threading.Thread(target=static.serve_forever, name="partner-site", daemon=True)
    static_thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    try:
        yield Sites(leadwerk, allowed, f"http://127.0.0.1:{host_port}", admin.email)
    finally:
        static.shutdown()
        static.server_close()
        server.should_exit = True
        thread.join(timeout=15)
        db.dispose()


def _collect(page: Page, into: list[str]) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            into.append(message.text)

    page.on("console", on_console)


def test_hosted_script_and_iframe_forms_across_origins(sites: Sites) -> None:
    executable = _chromium()
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            # 1. The hosted page, for a German visitor: errors in German, focus on the first.
            german = browser.new_context(locale="de-DE", extra_http_headers={})
            page = german.new_page()
            page.set_default_timeout(10_000)
            _collect(page, problems)
            page.goto(f"{sites.leadwerk}/f/guide?utm_source=newsletter")
            expect(page.locator("h1")).to_have_text("Leitfaden anfordern")
            page.get_by_role("button", name="Senden").click()
            expect(page.get_by_role("alert")).to_contain_text(
                "Bitte korrigieren Sie die markierten Felder."
            )
            email = page.get_by_label("E-Mail")
            expect(email).to_be_focused()
            expect(email).to_have_attribute("aria-invalid", "true")
            expect(page.locator("#lw-email-error")).to_have_text("Dieses Feld ist ein Pflichtfeld.")
            # Keyboard only: type, tab to the next field, tick the consent with the space bar.
            page.keyboard.type("hanna.hosted@example.de")
            page.keyboard.press("Tab")
            page.keyboard.type("Hanna")
            page.get_by_label("Ich stimme dem Datenschutzhinweis zu.").focus()
            page.keyboard.press("Space")
            page.get_by_role("button", name="Senden").press("Enter")
            expect(page.get_by_role("status")).to_have_text("Danke, der Leitfaden kommt.")
            german.close()

            # 2. The script on a page of another, allowed origin.
            context = browser.new_context(locale="en-US")
            page = context.new_page()
            page.set_default_timeout(10_000)
            _collect(page, problems)
            page.goto(f"{sites.allowed}/script.html?utm_source=partner&utm_medium=referral")
            form = page.locator("[data-leadwerk-form] form")
            expect(form.get_by_label("Email")).to_be_visible()
            expect(form.locator('input[name="utm_source"]')).to_have_value("partner")
            form.get_by_label("Email").fill("not-an-address")
            form.get_by_role("button", name="Send").click()
            expect(form.get_by_role("alert")).to_contain_text("Please correct the marked fields.")
            expect(form.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
            expect(form.get_by_label("Email")).to_be_focused()
            expect(form.locator(".lw-error").first).to_have_text(
                "Enter a valid email address, such as name@example.com."
            )
            form.get_by_label("Email").fill("sam.script@example.com")
            form.get_by_label("First name").fill("Sam")
            form.get_by_label("Company").fill('"><img src=x onerror=alert(1)>')
            form.get_by_label("I agree to the privacy notice.").check()
            form.get_by_role("button", name="Send").click()
            expect(page.get_by_role("status")).to_have_text("Thank you, the guide is on its way.")

            # 3. The iframe on the allowed origin.
            page.goto(f"{sites.allowed}/iframe.html")
            frame = page.frame_locator("iframe")
            frame.get_by_label("Email").fill("ida.iframe@example.com")
            frame.get_by_label("First name").fill("Ida")
            frame.get_by_label("I agree to the privacy notice.").check()
            frame.get_by_role("button", name="Send").click()
            expect(frame.get_by_role("status")).to_have_text("Thank you, the guide is on its way.")
            context.close()

            # 4. The same pages from an origin that is not allowed: no form, no lead.
            refused_messages: list[str] = []
            outsider = browser.new_context(locale="en-US")
            page = outsider.new_page()
            page.set_default_timeout(10_000)
            _collect(page, refused_messages)
            page.goto(f"{sites.refused}/script.html")
            expect(page.locator("[data-leadwerk-form]")).to_have_attribute(
                "data-lw-error", "Failed to fetch"
            )
            expect(page.locator("[data-leadwerk-form] form")).to_have_count(0)
            page.goto(f"{sites.refused}/iframe.html")
            page.wait_for_load_state("load")
            child = page.frames[1]
            assert child.query_selector('input[name="email"]') is None
            outsider.close()
            assert any("CORS" in m for m in refused_messages), refused_messages
            assert any("frame-ancestors" in m for m in refused_messages), refused_messages

            # 5. The three leads in the Leadwerk UI.
            staff = browser.new_context(locale="en-US")
            page = staff.new_page()
            page.set_default_timeout(10_000)
            _collect(page, problems)
            page.goto(f"{sites.leadwerk}/login?next=/leads")
            page.get_by_label("Email address").fill(sites.admin_email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{sites.leadwerk}/leads")
            rows = page.locator("#lead-results tbody tr td:nth-child(2)")
            expect(rows).to_have_text(
                ["ida.iframe@example.com", "sam.script@example.com", "hanna.hosted@example.de"]
            )
            # The builder's live preview follows the title as it is typed (htmx).
            page.goto(f"{sites.leadwerk}/forms")
            page.get_by_role("link", name="Guide", exact=True).click()
            expect(page.locator("#form-preview h3")).to_have_text("Get the guide")
            page.get_by_label("Title (English)").fill("Get the free guide")
            expect(page.locator("#form-preview h3")).to_have_text("Get the free guide")
            page.goto(f"{sites.leadwerk}/leads")
            page.get_by_role("link", name="Sam").click()
            expect(page.locator("h1")).to_have_text("Sam")
            expect(page.locator("main")).to_contain_text('"><img src=x onerror=alert(1)>')
            expect(page.locator("main")).to_contain_text("partner")
            staff.close()
        finally:
            browser.close()
    # The two invalid sends were answered 422 on purpose (Chromium logs each such answer).
    expected = "Failed to load resource: the server responded with a status of 422"
    assert [m for m in problems if not m.startswith(expected)] == []
    assert len(problems) == 2
