"""Markup a visitor, a bot or a file sends is text in the UI, whichever channel brought it:
the API (one lead and a batch), a CSV import and the tracking snippet's `identify` all put
`<script>` and `"><img onerror>` into names, company, job title and attributes, and the lead
list and the lead page show them escaped. (Forms and ad-platform hooks have the same check in
tests/web/test_forms_public.py and tests/web/test_integrations.py.)"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.capture.imports import service as imports
from leadwerk.capture.tracking import service as tracking
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer
from tests.factories.imports import write_csv
from tests.factories.tracking import identify, tracked, visitor_id
from tests.web.conftest import signed_in

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'


def _leads_via_every_channel(client: TestClient, db: Database, tmp_path: Path) -> list[int]:
    headers = bearer(db)
    body = {"first_name": SCRIPT, "last_name": IMG, "company": IMG, "job_title": SCRIPT}
    one = client.post(
        "/api/v1/leads",
        json={**body, "email": "api@markup.example", "attributes": {IMG: SCRIPT}},
        headers=headers,
    )
    assert one.status_code == 201
    batch = client.post(
        "/api/v1/leads:batch", json={"leads": [{**body, "email": "batch@markup.example"}]},
        headers=headers,
    )  # fmt: skip
    assert batch.json()["created"] == 1
    quoted_img = '"' + IMG.replace('"', '""') + '"'  # CSV quoting of a value with a quote
    csv_file = write_csv(
        tmp_path / "markup.csv",
        [
            "Vorname;Nachname;E-Mail;Firma;Notiz",
            f"{SCRIPT};x;import@markup.example;{quoted_img};{SCRIPT}",
        ],
    )
    plan = imports.plan_import(csv_file)
    options = imports.check_options("consent", "markup test")
    summary = imports.run_import(db, plan, options, actor="test")
    assert summary.counts.created == 1
    event = tracked(
        identify("tracked@markup.example", first_name=SCRIPT, company=IMG), visitor_id()
    )
    with db.transaction() as s:
        tracking.write_batch(s, [event])
    with db.read() as s:
        return list(s.scalars(select(Lead.id).where(Lead.email.like("%@markup.example"))))


def test_markup_stays_text_on_the_lead_pages(
    client: TestClient, db: Database, tmp_path: Path
) -> None:
    lead_ids = _leads_via_every_channel(client, db, tmp_path)
    assert len(lead_ids) == 4
    signed_in(client, db)
    pages = [client.get("/leads", params={"q": "markup.example"})]
    pages += [client.get(f"/leads/{lead_id}") for lead_id in lead_ids]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    for page in pages[1:]:  # every lead has the image tag in its company
        assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in page.text
