"""The whole double opt-in, end to end: a lead with a newsletter grant comes in through the
API of a running Leadwerk (embedded worker, SMTP to a real aiosmtpd server on 127.0.0.1); the
confirmation email arrives; headless Chromium follows its link and presses the button; the
ledger holds the confirmation with the browser's address and user agent, and the chain
verifies."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from leadwerk.app import create_app
from leadwerk.auth.types import Scope
from leadwerk.consent import service
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import ConsentStatus, EventKind, Method
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.conftest import TEST_SECRET
from tests.factories.auth import make_api_key
from tests.factories.delivery import wait_until
from tests.factories.mail import Inbox, smtp_server
from tests.web.test_browser import CHROMIUM_ARGS, _chromium, _free_port

pytestmark = pytest.mark.browser


@dataclass
class Running:
    base: str
    db: Database
    inbox: Inbox
    api_key: str


@pytest.fixture
def running(fresh_database_url: str) -> Iterator[Running]:
    inbox = Inbox()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with smtp_server(inbox) as smtp_port:
        settings = Settings(
            environment="dev",
            database_url=fresh_database_url,
            secret_key=TEST_SECRET,
            log_format="console",
            base_url=base,
            smtp_url=f"smtp://127.0.0.1:{smtp_port}?starttls=false",
            mail_from="Leadwerk Demo <news@leadwerk.example>",
        )
        db = Database.from_url(fresh_database_url, pool_size=5)
        with db.transaction() as session:
            key = make_api_key(session, Scope.LEADS_WRITE).secret
        app = create_app(settings, db=db, embedded_worker=True)
        server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
            )
        )
        thread = threading.Thread(target=server.run, name="uvicorn-doi", daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the test server did not start")
            time.sleep(0.02)
        try:
            yield Running(base, db, inbox, key)
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            db.dispose()


def test_sign_up_email_link_button_ledger(running: Running) -> None:
    with running.db.read() as session:
        text = service.current_text(session, service.get_purpose(session, "newsletter"), "de")
    answer = httpx.post(
        f"{running.base}/api/v1/leads",
        headers={"Authorization": f"Bearer {running.api_key}"},
        json={
            "email": "anna.mueller@example.de",
            "first_name": "Anna",
            "language": "de",
            "consents": [{"purpose": "newsletter", "text_id": text.id, "ip": "198.51.100.23"}],
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    lead_id = answer.json()["id"]

    wait_until(lambda: len(running.inbox.messages) == 1, timeout=20)  # right after the commit
    (email,) = running.inbox.messages
    assert running.inbox.envelopes == [("news@leadwerk.example", ["anna.mueller@example.de"])]
    assert email["Subject"] == "Bitte bestätigen Sie: Newsletter"
    body = email.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(rf"{re.escape(running.base)}/c/\S+", body)
    assert link is not None, body

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="de-DE")
            page.set_default_timeout(10_000)
            page.goto(link.group(0))
            expect(page.locator("h1")).to_have_text("Bestätigen: Newsletter")
            expect(page.locator("blockquote")).to_have_text(text.text)
            user_agent = page.evaluate("navigator.userAgent")
            page.get_by_role("button", name="Ja, ich bestätige").click()
            expect(page.locator("h1")).to_have_text("Vielen Dank")
            page.goto(link.group(0))  # a second visit: used up
            expect(page.locator(".lw-thanks")).to_contain_text("bereits bestätigt")
        finally:
            browser.close()

    with running.db.read() as session:
        events = session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq)).all()
        assert [(e.kind, e.method) for e in events] == [
            (EventKind.CONFIRMATION_REQUESTED, Method.API),
            (EventKind.CONFIRMED, Method.DOUBLE_OPT_IN),
        ]
        assert events[0].ip == "198.51.100.23"  # where the person signed up
        assert (events[1].ip, events[1].user_agent) == ("127.0.0.1", user_agent)
        status = service.status_of(session, lead_id, "newsletter")
        assert status is not None
        assert status.status is ConsentStatus.GRANTED
    report, _head = service.verify(running.db)
    assert (report.intact, report.events) == (True, 2)
