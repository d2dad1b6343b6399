"""Data subject rights on a lead's page, on both databases: the export as a ZIP, restriction and
its lifting, the two objections, and erasure behind its confirmation; only for privacy:manage."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.auth.models import AuditEntry
from leadwerk.auth.types import Role
from leadwerk.consent import privacy, service
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import ConsentStatus, EventContent, EventKind, Method
from leadwerk.leads.models import Lead
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead
from tests.web.conftest import csrf_token, signed_in


def _lead(db: Database, *purposes: str) -> int:
    with db.transaction() as session:
        lead = make_lead(session, email="ruth.roth@example.de", phone="+4915112345678")
        for purpose in purposes:
            service.record(
                session,
                lead.id,
                EventContent(
                    kind=EventKind.GRANTED,
                    purpose=purpose,
                    text_id=None,
                    method=Method.FORM,
                    occurred_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
                    ip="203.0.113.5",
                ),
            )
        return lead.id


def _card(html: str) -> str:
    return html.split('id="privacy"')[1].split("</section>")[0]


def _post(client: TestClient, lead_id: int, action: str, **data: str) -> str:
    token = csrf_token(client.get(f"/leads/{lead_id}").text)
    response = client.post(
        f"/leads/{lead_id}/{action}",
        data={"csrf_token": token, **data},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    return location


def _lead_row(db: Database, lead_id: int) -> Lead | None:
    with db.read() as session:
        lead = session.get(Lead, lead_id)
        if lead is not None:
            session.expunge(lead)
        return lead


def _actions(db: Database, lead_id: int) -> list[str]:
    with db.read() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.subject_type == "lead", AuditEntry.subject_id == str(lead_id))
                .order_by(AuditEntry.id)
            )
        )


def test_only_privacy_officers_see_the_card_and_may_act(client: TestClient, db: Database) -> None:
    lead_id = _lead(db)
    signed_in(client, db, Role.MARKETING)
    page = client.get(f"/leads/{lead_id}")
    assert page.status_code == 200
    assert 'id="privacy"' not in page.text
    token = csrf_token(page.text)
    for action, data in (("restrict", {}), ("object", {"to": "profiling"}), ("erase", {})):
        refused = client.post(f"/leads/{lead_id}/{action}", data={"csrf_token": token, **data})
        assert refused.status_code == 403, action
    assert client.get(f"/leads/{lead_id}/export.zip").status_code == 403
    assert client.get(f"/leads/{lead_id}/erase").status_code == 403
    lead = _lead_row(db, lead_id)
    assert lead is not None
    assert lead.restricted_at is None
    assert lead.profiling_objected_at is None


def test_export_is_a_zip_of_everything(client: TestClient, db: Database) -> None:
    lead_id = _lead(db, "sales_contact")
    signed_in(client, db)
    card = _card(client.get(f"/leads/{lead_id}").text)
    assert f'href="/leads/{lead_id}/export.zip"' in card
    download = client.get(f"/leads/{lead_id}/export.zip")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    assert download.headers["content-disposition"] == (
        f'attachment; filename="lead-{lead_id}-export.zip"'
    )
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = set(archive.namelist())
        person = json.loads(archive.read("person.json"))
        evidence = json.loads(archive.read("consent-evidence.json"))
    assert {"person.json", "lead.csv", "consent_events.csv", "consent-evidence.json"} <= names
    assert person["lead"][0]["email"] == "ruth.roth@example.de"
    assert [e["content"]["purpose"] for e in evidence["entries"]] == ["sales_contact"]


def test_restrict_and_lift(client: TestClient, db: Database) -> None:
    lead_id = _lead(db)
    signed_in(client, db, language="de")
    assert "Nicht eingeschränkt" in _card(client.get(f"/leads/{lead_id}").text)
    location = _post(client, lead_id, "restrict", restricted="1")
    assert location == f"/leads/{lead_id}?notice=restricted#privacy"
    page = client.get(location).text
    assert "Die Verarbeitung ist eingeschränkt" in page
    assert '<span class="badge badge--restricted">Verarbeitung eingeschränkt</span>' in page
    assert "Einschränkung aufheben" in _card(page)
    lead = _lead_row(db, lead_id)
    assert lead is not None
    assert lead.restricted_at is not None

    location = _post(client, lead_id, "restrict", restricted="0")
    assert "Die Einschränkung wurde aufgehoben." in client.get(location).text
    lead = _lead_row(db, lead_id)
    assert lead is not None
    assert lead.restricted_at is None
    assert _actions(db, lead_id)[-2:] == ["lead.restricted", "lead.restriction_lifted"]


def test_objections(client: TestClient, db: Database, settings: Settings) -> None:
    lead_id = _lead(db, "profiling", "newsletter", "sales_contact")
    signed_in(client, db)
    card = _card(client.get(f"/leads/{lead_id}").text)
    assert "Record an objection to profiling" in card
    assert "Not suppressed" in card

    location = _post(client, lead_id, "object", to="profiling")
    assert location == f"/leads/{lead_id}?notice=objected_profiling#privacy"
    page = client.get(location).text
    assert "The objection to profiling was recorded" in page
    assert "Record an objection to profiling" not in _card(page)
    with db.read() as session:
        statuses = {p: s.status for p, s in service.statuses(session, lead_id).items()}
    assert statuses == {
        "profiling": ConsentStatus.WITHDRAWN,
        "newsletter": ConsentStatus.GRANTED,
        "sales_contact": ConsentStatus.GRANTED,
    }

    location = _post(client, lead_id, "object", to="marketing")
    card = _card(client.get(location).text)
    assert "Suppressed: the person objected or was erased before" in card
    assert "Record an objection to direct marketing" not in card
    with db.read() as session:
        statuses = {p: s.status for p, s in service.statuses(session, lead_id).items()}
        assert privacy.is_suppressed(
            session, settings.secret_key, email_key="ruth.roth@example.de", phone=None
        )
    assert set(statuses.values()) == {ConsentStatus.WITHDRAWN}


def test_an_unknown_objection_is_refused(client: TestClient, db: Database) -> None:
    lead_id = _lead(db)
    signed_in(client, db)
    token = csrf_token(client.get(f"/leads/{lead_id}").text)
    refused = client.post(f"/leads/{lead_id}/object", data={"csrf_token": token, "to": "all"})
    assert refused.status_code == 422
    assert "Choose one of the values offered." in refused.text


def test_erase_asks_for_the_number_then_forgets_the_person(
    client: TestClient, db: Database, settings: Settings
) -> None:
    lead_id = _lead(db, "newsletter")
    signed_in(client, db)
    assert f'href="/leads/{lead_id}/erase"' in _card(client.get(f"/leads/{lead_id}").text)
    confirm = client.get(f"/leads/{lead_id}/erase")
    assert confirm.status_code == 200
    assert "cannot be undone" in confirm.text
    token = csrf_token(confirm.text)

    for wrong in ("", "yes", str(lead_id + 1)):
        refused = client.post(
            f"/leads/{lead_id}/erase", data={"csrf_token": token, "confirm": wrong}
        )
        assert refused.status_code == 422
        assert 'id="f-confirm-error"' in refused.text
        assert f"Type the lead&#39;s number, {lead_id}, to confirm." in refused.text
    assert _lead_row(db, lead_id) is not None

    erased = client.post(
        f"/leads/{lead_id}/erase",
        data={"csrf_token": token, "confirm": f" {lead_id} "},
        follow_redirects=False,
    )
    assert erased.status_code == 303
    assert erased.headers["location"] == "/leads?notice=erased"
    assert "The person was erased." in client.get("/leads?notice=erased").text
    assert _lead_row(db, lead_id) is None
    assert client.get(f"/leads/{lead_id}").status_code == 404
    with db.read() as session:
        entries = session.scalars(select(ConsentEvent)).all()
        assert [(e.lead_id, e.email, e.ip) for e in entries] == [(None, None, None)]
        assert all(e.redacted_at is not None for e in entries)
        assert privacy.is_suppressed(
            session, settings.secret_key, email_key="ruth.roth@example.de", phone=None
        )
    assert _actions(db, lead_id)[-1] == "lead.erased"


def test_the_forms_need_their_csrf_token(client: TestClient, db: Database) -> None:
    lead_id = _lead(db)
    signed_in(client, db)
    for action, data in (("restrict", {}), ("erase", {"confirm": str(lead_id)})):
        refused = client.post(f"/leads/{lead_id}/{action}", data=data)
        assert refused.status_code == 403, action
    assert _lead_row(db, lead_id) is not None
