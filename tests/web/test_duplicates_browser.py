"""The review of duplicates in headless Chromium against a real server: open the queue, compare
a pair field by field, merge it, land on the lead kept with the notice, undo the merge, and find
both leads again. With and without htmx."""

from __future__ import annotations

import pytest
from playwright.sync_api import ConsoleMessage, expect, sync_playwright
from sqlalchemy import select

from leadwerk.identity.models import DuplicatePair
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from tests.factories.auth import PASSWORD
from tests.factories.leads import make_lead
from tests.web.test_browser import CHROMIUM_ARGS, LiveServer, _chromium, live_server

pytestmark = pytest.mark.browser
__all__ = ["live_server"]  # the fixture, shared with test_browser.py

EVIDENCE = [
    {"kind": "first_name", "level": "exact", "left": "anna", "right": "anna", "weight": 5.5},
    {"kind": "last_name", "level": "same sound", "left": "muller", "right": "mueller",
     "weight": 3.0},
    {"kind": "email", "level": "different", "left": "anna.mueller@example.de",
     "right": "a.mueller@example.com", "weight": -2.0},
]  # fmt: skip


def _plant_pair(database_url: str) -> tuple[int, int]:
    """A second Anna Müller next to the server's first, and the pair the search would offer."""
    db = Database.from_url(database_url, pool_size=1)
    try:
        with db.transaction() as s:
            left = s.scalars(select(Lead).where(Lead.first_name == "Anna")).one()
            right = make_lead(
                s, email="a.mueller@example.com", first_name="Anna", last_name="Mueller"
            )
            s.add(
                DuplicatePair(
                    left_lead_id=left.id,
                    right_lead_id=right.id,
                    probability=0.96,
                    evidence=EVIDENCE,
                )
            )
            return left.id, right.id
    finally:
        db.dispose()


def test_merge_a_pair_and_undo_it(live_server: LiveServer, fresh_database_url: str) -> None:
    executable = _chromium()
    base = live_server.url
    left, right = _plant_pair(fresh_database_url)
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
            page.goto(f"{base}/login?next=%2Fduplicates")
            page.get_by_label("Email address").fill(live_server.admin_email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{base}/duplicates")
            expect(page.locator("#open-count")).to_have_text("Open pairs: 1")
            row = page.locator("#pair-results tbody tr")
            expect(row).to_have_count(1)
            expect(row.first).to_contain_text("96%")
            expect(row.first).to_contain_text("anna.mueller@example.de")
            expect(row.first).to_contain_text("a.mueller@example.com")

            row.first.get_by_role("link", name="Compare").click()
            expect(page.locator("h1")).to_have_text("Anna Müller · Anna Mueller")
            expect(page.locator("tr.evidence--for-strong th")).to_have_text("First name")
            expect(page.locator("tr.evidence--against td").last).to_contain_text(
                "some evidence against a match (weight −2.0)"
            )

            page.get_by_role("button", name="Merge, keep the left lead").click()
            expect(page).to_have_url(f"{base}/leads/{left}?merge=1")
            expect(page.locator("h1")).to_have_text("Anna Mueller")  # the newer name won
            notice = page.locator(".merge-notice")
            expect(notice).to_contain_text(f"Lead {right} was merged into this lead.")
            expect(page.locator("#merges")).to_contain_text("Merged from the review queue")

            notice.get_by_role("button", name="Undo", exact=True).click()
            expect(page).to_have_url(f"{base}/leads/{right}?notice=unmerged")
            expect(page.get_by_role("status")).to_have_text(
                "The merge was undone: this lead is on its own again."
            )
            expect(page.locator("h1")).to_have_text("Anna Mueller")
            page.goto(f"{base}/leads/{left}")
            expect(page.locator("h1")).to_have_text("Anna Müller")

            page.goto(f"{base}/leads?q=anna")
            expect(page.locator("#lead-results tbody th a")).to_have_text(
                ["Anna Mueller", "Anna Müller"]
            )
            context.close()
        finally:
            browser.close()
    assert problems == []
