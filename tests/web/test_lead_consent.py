"""A lead's page shows its consent: the status per purpose and the ledger entries with how
and from where, and offers the signed evidence bundle to download."""

from __future__ import annotations

from datetime import UTC, datetime

from starlette.testclient import TestClient

from leadwerk.auth.types import Role
from leadwerk.consent import evidence, service
from leadwerk.consent.types import EventContent, EventKind, Method
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead
from tests.web.conftest import signed_in


def _lead_with_consent(db: Database) -> int:
    with db.transaction() as session:
        lead = make_lead(session, email="anna@example.de")
        for n, kind in enumerate((EventKind.CONFIRMATION_REQUESTED, EventKind.CONFIRMED)):
            service.record(
                session,
                lead.id,
                EventContent(
                    kind=kind,
                    purpose="newsletter",
                    text_id=None,
                    method=Method.FORM if n == 0 else Method.DOUBLE_OPT_IN,
                    method_ref="form:messe@2" if n == 0 else "opt_in_request:1",
                    occurred_at=datetime(2026, 3, 1, 10, n, tzinfo=UTC),
                    ip="203.0.113.5",
                    user_agent="Mozilla/5.0 <b>",
                ),
            )
        return lead.id


def test_the_consent_card_and_the_evidence(
    client: TestClient, db: Database, settings: Settings
) -> None:
    lead_id = _lead_with_consent(db)
    signed_in(client, db, Role.MARKETING, language="de")
    page = client.get(f"/leads/{lead_id}")
    assert page.status_code == 200
    card = page.text.split('id="consent"')[1].split("</section>")[0]
    assert "Einwilligungen" in page.text
    assert '<span class="badge badge--consent-granted">Erteilt</span>' in card
    assert "Bestätigung angefordert" in card
    assert "Double-Opt-in-Link (opt_in_request:1)" in card
    assert "Formular (form:messe@2)" in card
    assert "Mozilla/5.0 &lt;b&gt;" in card
    download = client.get(f"/leads/{lead_id}/consent-evidence.json")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    document = download.json()
    assert [e["content"]["kind"] for e in document["entries"]] == [
        "confirmation_requested",
        "confirmed",
    ]
    assert evidence.check(document, secret=settings.secret_key)


def test_a_lead_without_consent_says_so(client: TestClient, db: Database) -> None:
    with db.transaction() as session:
        lead_id = make_lead(session, email="b@example.de").id
    signed_in(client, db, Role.ADMIN)
    page = client.get(f"/leads/{lead_id}")
    assert "No consent recorded." in page.text
    assert "consent-evidence.json" not in page.text
