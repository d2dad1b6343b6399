"""Consent claims on POST /api/v1/leads and :batch: recorded in the ledger as the person's
decision, with the exact text, time, IP and user agent; a grant for a purpose with double
opt-in starts the opt-in instead; bad claims are a 422 naming the claim and keep nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.consent import service
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import EventKind, Method
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database


def _text(db: Database, purpose: str, language: str = "de") -> int:
    with db.read() as session:
        return service.current_text(session, service.get_purpose(session, purpose), language).id


def _events(db: Database) -> list[ConsentEvent]:
    with db.read() as session:
        return list(session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq)))


def test_a_grant_and_a_double_opt_in_request_are_recorded(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    sales, newsletter = _text(db, "sales_contact"), _text(db, "newsletter")
    body: dict[str, Any] = {
        "email": "Anna.Mueller@Example.DE",
        "phone": "030 1234567",
        "country": "DE",
        "consents": [
            {
                "purpose": "sales_contact",
                "text_id": sales,
                "occurred_at": "2026-12-01T09:15:00+01:00",
                "ip": "2001:db8::7",
                "user_agent": "Mozilla/5.0",
                "source": "webinar landing page",
            },
            {"purpose": "newsletter", "text_id": newsletter},
        ],
    }
    created = client.post("/api/v1/leads", json=body, headers=headers)
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]
    granted, requested = _events(db)
    assert (granted.lead_id, granted.kind, granted.method) == (
        lead_id,
        EventKind.GRANTED,
        Method.API,
    )
    assert granted.method_ref is not None
    assert granted.method_ref.startswith("api_key:")
    assert (granted.email, granted.phone, granted.ip, granted.user_agent) == (
        "Anna.Mueller@example.de",
        "+49301234567",
        "2001:db8::7",
        "Mozilla/5.0",
    )
    assert granted.occurred_at.isoformat() == "2026-12-01T08:15:00+00:00"
    assert granted.evidence is not None
    assert granted.evidence["source"] == "webinar landing page"
    assert granted.evidence["version"] == 1
    assert granted.evidence["text"].startswith("Ja, der Vertrieb darf mich")
    assert (requested.kind, requested.purpose) == (EventKind.CONFIRMATION_REQUESTED, "newsletter")
    withdrawn = client.post(
        "/api/v1/leads",
        json={
            "email": "anna.mueller@example.de",
            "consents": [{"purpose": "sales_contact", "action": "withdraw"}],
        },
        headers=headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert _events(db)[-1].kind is EventKind.WITHDRAWN
    assert service.verify(db)[0].intact


def test_bad_claims_are_named_and_nothing_is_kept(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    newsletter = _text(db, "newsletter")
    body = {
        "email": "b@example.de",
        "consents": [
            {"purpose": "telepathy", "text_id": newsletter},
            {"purpose": "sales_contact"},
            {"purpose": "sales_contact", "text_id": newsletter},
            {"purpose": "profiling", "text_id": _text(db, "profiling"), "ip": "not an ip"},
            {
                "purpose": "profiling",
                "text_id": _text(db, "profiling"),
                "occurred_at": "2999-01-01T00:00:00Z",
            },
        ],
    }
    refused = client.post("/api/v1/leads", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    errors = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert errors == {
        "consents.0.purpose": "Unknown purpose 'telepathy'; use one of marketing_email, "
        "newsletter, profiling, sales_contact.",
        "consents.1.text_id": "A grant needs the text the person agreed to (its id; see the "
        "purpose's texts).",
        "consents.2.text_id": f"There is no text {newsletter} of the purpose 'sales_contact'.",
        "consents.3.ip": "Give an IPv4 or IPv6 address, such as 203.0.113.7.",
        "consents.4.occurred_at": "The time of a consent cannot lie in the future.",
    }
    naive = client.post(
        "/api/v1/leads",
        json={
            "email": "b@example.de",
            "consents": [
                {"purpose": "profiling", "text_id": 1, "occurred_at": "2026-01-01T10:00:00"}
            ],
        },
        headers=headers,
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "consents.0.occurred_at"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == 0
    assert _events(db) == []


def test_a_batch_item_with_a_bad_claim_fails_alone(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    sales = _text(db, "sales_contact")
    answer = client.post(
        "/api/v1/leads:batch",
        json={
            "leads": [
                {
                    "email": "c1@example.de",
                    "consents": [{"purpose": "sales_contact", "text_id": sales}],
                },
                {"email": "c2@example.de", "consents": [{"purpose": "nope", "text_id": sales}]},
            ]
        },
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["status"] for i in items] == [201, 422]
    assert items[1]["errors"][0]["field"] == "consents.0.purpose"
    assert [(e.email, e.kind) for e in _events(db)] == [("c1@example.de", EventKind.GRANTED)]
