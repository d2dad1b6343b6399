"""The receiving ends of inbound hooks, end to end on both databases.

Payloads: tests/fixtures/hooks/ (README there), written from
https://developers.google.com/google-ads/webhook/docs/implementation,
https://developers.facebook.com/docs/graph-api/webhooks/getting-started and
https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.capture.hooks import receiving
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.models import InboundDelivery, InboundHook
from leadwerk.capture.hooks.ports import FakeGraphApi, GraphApiError
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Channel, TouchpointType
from leadwerk.storage.engine import Database
from tests.factories.hooks import (
    META_PAGE_TOKEN,
    fixture,
    generic_headers,
    google_body,
    make_hook,
    meta_headers,
)

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def graph(app: FastAPI) -> FakeGraphApi:
    fake = FakeGraphApi()
    app.state.meta_graph = fake
    return fake


def hook(db: Database, kind: HookKind, **kw: Any) -> InboundHook:
    with db.transaction() as session:
        return make_hook(session, kind, **kw)


def url(h: InboundHook) -> str:
    return hooks.hook_path(h)


def deliveries(db: Database) -> list[InboundDelivery]:
    with db.read() as session:
        return list(session.scalars(select(InboundDelivery).order_by(InboundDelivery.id)))


def leads(db: Database) -> list[Lead]:
    with db.read() as session:
        return list(session.scalars(select(Lead).order_by(Lead.id)))


def touchpoints(db: Database, lead_id: int) -> list[Touchpoint]:
    with db.read() as session:
        return list(session.scalars(select(Touchpoint).where(Touchpoint.lead_id == lead_id)))


# --- Google Ads --------------------------------------------------------------------------------


def test_google_lead_becomes_a_paid_search_lead(db: Database, client: TestClient) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)
    response = client.post(url(h), content=google_body(h), headers=JSON)
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "processed": 1, "failed": 0}
    (lead,) = leads(db)
    assert (lead.email, lead.first_name, lead.last_name) == (
        "Juergen.vdBerg@example.com",
        "Jürgen",
        "van der Berg",
    )
    assert (lead.phone, lead.company, lead.country) == (
        "+49301234567",
        "Berg Maschinenbau GmbH",
        "DE",
    )
    assert (lead.source, lead.utm_source, lead.utm_medium, lead.channel) == (
        "google_ads",
        "google",
        "cpc",
        Channel.PAID_SEARCH,
    )
    assert lead.attributes["google_ads"]["gclid"] == "EAIaIQobChMI-fixture-gclid"
    assert lead.attributes["google_ads"]["lead_id"] == "Lw-7f3a9c21-GAds-0001"
    (tp,) = touchpoints(db, lead.id)
    assert (tp.type, tp.channel, tp.source) == (
        TouchpointType.AD_LEAD_FORM,
        Channel.PAID_SEARCH,
        "google_ads",
    )
    (d,) = deliveries(db)
    assert (d.hook_id, d.external_id, d.status, d.attempts, d.lead_id, d.error) == (
        h.id,
        "Lw-7f3a9c21-GAds-0001",
        DeliveryStatus.PROCESSED,
        1,
        lead.id,
        None,
    )
    assert json.loads(d.body)["user_column_data"][0]["string_value"] == "Jürgen"


def test_google_test_lead_is_accepted_and_marked(db: Database, client: TestClient) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)
    response = client.post(url(h), content=google_body(h, "google_ads_test_lead.json"))
    assert response.status_code == 200
    (lead,) = leads(db)
    assert lead.attributes["test_lead"] is True
    assert lead.email == "test@example.com"


@pytest.mark.parametrize(
    ("key", "status", "detail"),
    [
        ("wrong-key", 403, "The google_key does not match this hook's key."),
        (None, 401, "The body has no google_key."),
    ],
)
def test_google_wrong_or_missing_key_is_refused_and_not_stored(
    db: Database,
    client: TestClient,
    caplog: pytest.LogCaptureFixture,
    key: str | None,
    status: int,
    detail: str,
) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)
    body = {**fixture("google_ads_lead.json"), "google_key": key}
    with caplog.at_level(logging.WARNING, logger="leadwerk.hooks"):
        response = client.post(url(h), json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == detail
    assert deliveries(db) == []
    assert leads(db) == []
    assert [r.getMessage() for r in caplog.records] == ["inbound hook request refused"]


def test_google_key_of_another_hook_and_unknown_urls(db: Database, client: TestClient) -> None:
    mine, other = hook(db, HookKind.GOOGLE_ADS), hook(db, HookKind.GOOGLE_ADS)
    assert client.post(url(mine), content=google_body(other)).status_code == 403
    assert (
        client.post("/hooks/google-ads/unknown-token-123", content=google_body(mine)).status_code
        == 404
    )
    meta = hook(db, HookKind.META)
    wrong_kind = f"/hooks/google-ads/{meta.token}"
    assert client.post(wrong_kind, content=google_body(mine)).status_code == 404
    assert client.post(url(mine), content=b"not json").status_code == 401
    assert deliveries(db) == []


def test_duplicate_delivery_makes_one_lead_and_one_touchpoint(
    db: Database, client: TestClient
) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)
    first = client.post(url(h), content=google_body(h))
    again = client.post(url(h), content=google_body(h))
    assert first.json() == {"stored": 1, "duplicates": 0, "processed": 1, "failed": 0}
    assert again.status_code == 200
    assert again.json() == {"stored": 0, "duplicates": 1, "processed": 0, "failed": 0}
    (lead,) = leads(db)
    assert len(touchpoints(db, lead.id)) == 1
    assert len(deliveries(db)) == 1


def test_body_size_limit(db: Database, app: FastAPI, client: TestClient) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)
    limit = app.state.container.settings.hooks_max_body_bytes
    body = google_body(h, user_column_data_padding="x" * limit)
    response = client.post(url(h), content=body, headers=JSON)
    assert response.status_code == 413
    assert response.json()["detail"] == f"The request body exceeds the limit of {limit} bytes."
    assert deliveries(db) == []


def test_invalid_fields_leave_a_dead_letter_but_answer_200(
    db: Database, client: TestClient
) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)
    columns = [{"column_id": "EMAIL", "string_value": "not-an-address"}]
    response = client.post(url(h), content=google_body(h, user_column_data=columns))
    assert response.status_code == 200
    assert response.json() == {"stored": 1, "duplicates": 0, "processed": 0, "failed": 1}
    (d,) = deliveries(db)
    assert d.status is DeliveryStatus.FAILED
    assert d.attempts == 1
    assert d.error is not None
    assert d.error.startswith("The lead was not accepted: email: ")
    assert leads(db) == []


# --- Meta --------------------------------------------------------------------------------------


def test_meta_handshake(db: Database, client: TestClient) -> None:
    h = hook(db, HookKind.META)
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": ""}
    ok = client.get(url(h), params={**params, "hub.verify_token": h.verify_token})
    assert ok.status_code == 200
    assert ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    wrong = client.get(url(h), params={**params, "hub.verify_token": "guess"})
    assert wrong.status_code == 403
    assert wrong.json()["detail"] == "The verify token does not match this hook's."
    assert client.get(url(h), params={"hub.mode": "subscribe"}).status_code == 403


def meta_lead(leadgen_id: str, email: str) -> dict[str, Any]:
    doc = fixture("meta_graph_lead.json")
    doc["id"] = leadgen_id
    doc["field_data"][1] = {"name": "email", "values": [email]}
    return doc


def test_meta_notification_fetches_each_lead(
    db: Database, client: TestClient, graph: FakeGraphApi
) -> None:
    h = hook(db, HookKind.META)
    graph.leads = {
        "130528934038370": meta_lead("130528934038370", "one@example.org"),
        "130528934038371": meta_lead("130528934038371", "two@example.org"),
        "130528934038372": meta_lead("130528934038372", "three@example.org"),
    }
    body = json.dumps(fixture("meta_leadgen_notification.json")).encode()
    response = client.post(url(h), content=body, headers=meta_headers(body))
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 3, "duplicates": 0, "processed": 3, "failed": 0}
    assert [lead.email for lead in leads(db)] == [
        "one@example.org",
        "two@example.org",
        "three@example.org",
    ]
    first = leads(db)[0]
    assert (first.first_name, first.last_name, first.channel, first.source) == (
        "Renée",
        "d'Arcy",
        Channel.PAID_SOCIAL,
        "meta_lead_ads",
    )
    assert first.attributes["meta_lead_ads"]["form_id"] == "129595594131704"
    assert graph.calls == [
        ("130528934038370", META_PAGE_TOKEN),
        ("130528934038371", META_PAGE_TOKEN),
        ("130528934038372", META_PAGE_TOKEN),
    ]
    assert [d.external_id for d in deliveries(db)] == [
        "130528934038370",
        "130528934038371",
        "130528934038372",
    ]
    # Meta retries the same notification: nothing new.
    again = client.post(url(h), content=body, headers=meta_headers(body))
    assert again.json() == {"stored": 0, "duplicates": 3, "processed": 0, "failed": 0}
    assert len(leads(db)) == 3
    assert len(graph.calls) == 3


@pytest.mark.parametrize(
    ("make_headers", "status"),
    [
        (lambda body: meta_headers(body, "not-the-app-secret"), 403),
        (lambda body: meta_headers(b'{"object":"page","entry":[]}'), 403),
        (lambda body: JSON, 401),
        (lambda body: {**JSON, "X-Hub-Signature-256": "sha256="}, 403),
    ],
    ids=["wrong-secret", "other-body", "missing", "empty"],
)
def test_meta_bad_signature_stores_nothing(
    db: Database, client: TestClient, graph: FakeGraphApi, make_headers: Any, status: int
) -> None:
    h = hook(db, HookKind.META)
    body = json.dumps(fixture("meta_leadgen_notification.json")).encode()
    response = client.post(url(h), content=body, headers=make_headers(body))
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert deliveries(db) == []
    assert leads(db) == []
    assert graph.calls == []


def test_graph_down_leaves_dead_letters_and_retry_succeeds_after_recovery(
    db: Database, client: TestClient, graph: FakeGraphApi
) -> None:
    h = hook(db, HookKind.META)
    graph.failure = GraphApiError(
        "The Graph API answered HTTP 500: Service temporarily unavailable"
    )
    body = json.dumps(fixture("meta_leadgen_notification.json")).encode()
    response = client.post(url(h), content=body, headers=meta_headers(body))
    assert response.status_code == 200
    assert response.json() == {"stored": 3, "duplicates": 0, "processed": 0, "failed": 3}
    assert [(d.status, d.attempts, d.error) for d in deliveries(db)] == [
        (
            DeliveryStatus.FAILED,
            1,
            "The Graph API answered HTTP 500: Service temporarily unavailable",
        )
    ] * 3
    assert leads(db) == []

    graph.failure = None
    graph.respond = lambda leadgen_id: "<html>garbage</html>"
    first_id = deliveries(db)[0].id
    garbage = receiving.retry(db, first_id, graph, actor="test")
    assert (garbage.status, garbage.attempts, garbage.error) == (
        DeliveryStatus.FAILED,
        2,
        "The Graph API answered without a lead id.",
    )

    graph.respond = lambda leadgen_id: meta_lead(leadgen_id, f"{leadgen_id}@example.org")
    summary = receiving.retry_failed(db, graph, actor="test")
    assert summary == receiving.RetrySummary(retried=3, processed=3, failed=0)
    assert [(d.status, d.error) for d in deliveries(db)] == [(DeliveryStatus.PROCESSED, None)] * 3
    assert [d.attempts for d in deliveries(db)] == [3, 2, 2]
    assert sorted(lead.email or "" for lead in leads(db)) == [
        "130528934038370@example.org",
        "130528934038371@example.org",
        "130528934038372@example.org",
    ]


def test_meta_notification_without_leads_is_a_dead_letter(
    db: Database, client: TestClient, graph: FakeGraphApi
) -> None:
    h = hook(db, HookKind.META)
    body = b'{"object": "page", "entry": [{"changes": [{"field": "feed", "value": {}}]}]}'
    response = client.post(url(h), content=body, headers=meta_headers(body))
    assert response.json() == {"stored": 1, "duplicates": 0, "processed": 0, "failed": 1}
    (d,) = deliveries(db)
    assert (d.external_id, d.body, d.error) == (
        None,
        body.decode(),
        "The notification holds no leadgen change.",
    )


# --- generic -----------------------------------------------------------------------------------

MAPPING = {
    "email": "contact.email",
    "first_name": "contact.name.first",
    "last_name": "contact.name.last",
    "phone": "contact.phone",
    "company": "data.fields[0].value",
    "country": "data.fields[1].value",
    "utm_source": "tracking.utm_source",
    "utm_medium": "tracking.utm_medium",
    "external_id": "submission_id",
}


def test_generic_signed_json_with_mapping(db: Database, client: TestClient) -> None:
    h = hook(db, HookKind.GENERIC, name="Zapier", mapping=MAPPING)
    body = json.dumps(fixture("generic_zapier.json")).encode()
    response = client.post(url(h), content=body, headers=generic_headers(body, h.secret))
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 1, "duplicates": 0, "processed": 1, "failed": 0}
    (lead,) = leads(db)
    assert (lead.email, lead.first_name, lead.last_name, lead.phone, lead.company) == (
        "MAX.Mustermann@example.de",
        "Max",
        "Mustermann",
        "+49309876543",
        "Muster AG",
    )
    assert (lead.source, lead.channel) == ("Zapier", Channel.PAID_SOCIAL)
    (tp,) = touchpoints(db, lead.id)
    assert tp.type is TouchpointType.API
    again = client.post(url(h), content=body, headers=generic_headers(body, h.secret))
    assert again.json()["duplicates"] == 1


@pytest.mark.parametrize(
    ("secret", "age", "status"),
    [("wrong", 0, 403), (None, 3600, 403)],
    ids=["wrong-secret", "too-old"],
)
def test_generic_bad_signature(
    db: Database, client: TestClient, secret: str | None, age: int, status: int
) -> None:
    h = hook(db, HookKind.GENERIC)
    body = b'{"email": "a@example.de"}'
    headers = generic_headers(body, secret or h.secret, int(time.time()) - age)
    response = client.post(url(h), content=body, headers=headers)
    assert response.status_code == status
    assert client.post(url(h), content=body, headers=JSON).status_code == 401
    assert deliveries(db) == []


def test_generic_mapping_without_contact_is_a_dead_letter(db: Database, client: TestClient) -> None:
    h = hook(db, HookKind.GENERIC, mapping={"email": "contact.mail"})
    body = json.dumps(fixture("generic_zapier.json")).encode()
    response = client.post(url(h), content=body, headers=generic_headers(body, h.secret))
    assert response.json() == {"stored": 1, "duplicates": 0, "processed": 0, "failed": 1}
    (d,) = deliveries(db)
    assert d.error == (
        "No email address and no phone number in the payload (mapped: email ← contact.mail)."
    )
    with db.transaction() as session:
        hooks.set_mapping(session, h.id, MAPPING, actor="test")
    fixed = receiving.retry(db, d.id, FakeGraphApi(), actor="test")
    assert fixed.status is DeliveryStatus.PROCESSED
    assert fixed.lead_id == leads(db)[0].id


def test_paused_hook_answers_404(db: Database, client: TestClient) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)
    with db.transaction() as session:
        hooks.set_active(session, h.id, False, actor="test")
    assert client.post(url(h), content=google_body(h)).status_code == 404
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(InboundDelivery)) == 0


def test_a_crash_while_processing_keeps_the_payload_as_a_dead_letter(
    db: Database, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = hook(db, HookKind.GOOGLE_ADS)

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(receiving.capture, "run_intake", crash)
    response = client.post(url(h), content=google_body(h))
    assert response.status_code == 200
    assert response.json() == {"stored": 1, "duplicates": 0, "processed": 0, "failed": 1}
    (d,) = deliveries(db)
    assert (d.status, d.attempts, d.error) == (
        DeliveryStatus.FAILED,
        1,
        "Internal error (RuntimeError); see the log.",
    )
    monkeypatch.undo()
    assert (
        receiving.retry(db, d.id, FakeGraphApi(), actor="test").status is DeliveryStatus.PROCESSED
    )
    assert len(leads(db)) == 1
