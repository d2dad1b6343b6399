"""The import wizard in headless Chromium against a real server: upload a German CSV, see
the detected columns, preview it (nothing written), import it with a lawful basis, read the
counts, download the rejected rows, and find the new lead in the list. With and without htmx."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.factories.auth import PASSWORD
from tests.web.test_browser import CHROMIUM_ARGS, LiveServer, _chromium, live_server

pytestmark = pytest.mark.browser
__all__ = ["live_server"]  # the fixture, shared with test_browser.py

CSV = (
    "Vorname;Nachname;E-Mail;Firma\r\n"
    "Jörg;Weiß;joerg@weiss.example;Weiß Metallbau GmbH\r\n"
    "Anna;Müller;ANNA.MUELLER@example.de;\r\n"  # a lead the database already has
    "Kaputt;;keine-adresse;\r\n"  # rejected: no valid address
)


def test_upload_preview_and_import_a_file(live_server: LiveServer, tmp_path: Path) -> None:
    executable = _chromium()
    base = live_server.url
    upload = tmp_path / "messe.csv"
    upload.write_bytes(CSV.encode("cp1252"))  # a typical German Excel export
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US", accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(10_000)
            page.goto(f"{base}/login?next=%2Fimports")
            page.get_by_label("Email address").fill(live_server.admin_email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(f"{base}/imports")

            page.get_by_label("CSV or XLSX file").set_input_files(upload)
            page.get_by_role("button", name="Upload and check").click()
            expect(page.locator("h1")).to_have_text("Import messe.csv")
            expect(page.get_by_label("E-Mail")).to_have_value("email")
            expect(page.get_by_label("Vorname")).to_have_value("first_name")

            # The dry run writes nothing and shows what would be stored.
            page.get_by_role("button", name="Preview (dry run)").click()
            expect(page.locator("#preview [role=status]")).to_have_text(
                "3 rows: 2 would be imported, 1 rejected. Nothing was written."
            )
            expect(page.locator("#preview tbody tr").first).to_contain_text("Weiß Metallbau GmbH")

            # Without a lawful basis the import refuses, and says why.
            page.get_by_role("button", name="Import", exact=True).click()
            expect(page.locator("#f-lawful_basis-error")).to_contain_text("lawful basis")

            page.get_by_role("combobox", name="Lawful basis").select_option("consent")
            page.get_by_label("Evidence").fill("Badge scans at Hannover Messe, form version 3")
            page.get_by_role("button", name="Import", exact=True).click()
            expect(page.locator("h1")).to_have_text("Import messe.csv")
            facts = page.locator("#import-progress .facts dd")
            expect(facts).to_have_text(["3", "1", "1", "0", "1"])  # rows, created, updated, …

            with page.expect_download() as download:
                page.get_by_role("link", name="Download the rejected rows (CSV)").click()
            report = Path(download.value.path()).read_text(encoding="utf-8-sig")
            assert "keine-adresse" in report

            page.goto(f"{base}/leads?q=weiss")
            expect(page.locator("#lead-results tbody th a")).to_have_text(["Jörg Weiß"])
            context.close()
        finally:
            browser.close()
