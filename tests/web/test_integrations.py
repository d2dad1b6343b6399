"""The Integrations area: set up hooks (secret shown once), rotate, edit the mapping, and the
dead-letter list with retry. Markup in payloads stays text."""

from __future__ import annotations

import json

from fastapi import FastAPI
from markupsafe import escape
from sqlalchemy import select
from starlette.testclient import TestClient

from leadwerk.auth.types import Role
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.models import InboundDelivery, InboundHook
from leadwerk.capture.hooks.ports import FakeGraphApi, GraphApiError
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind
from leadwerk.storage.engine import Database
from tests.factories.hooks import fixture, generic_headers, make_hook, meta_headers
from tests.web.conftest import page_token, signed_in

GERMAN = {"accept-language": "de-DE,de;q=0.9"}


def all_hooks(db: Database) -> list[InboundHook]:
    with db.read() as session:
        return hooks.list_hooks(session)


def test_sales_may_not_enter(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.SALES)
    assert client.get("/integrations").status_code == 403
    assert client.get("/integrations/dead-letters").status_code == 403


def test_create_a_google_hook_shows_url_and_key_once(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING)
    token = page_token(client, "/integrations")
    r = client.post(
        "/integrations",
        data={"kind": "google_ads", "name": "Google Ads Q4", "csrf_token": token},
    )
    assert r.status_code == 200
    (hook,) = all_hooks(db)
    assert (hook.kind, hook.name, hook.is_active) == (HookKind.GOOGLE_ADS, "Google Ads Q4", True)
    assert f"http://testserver/hooks/google-ads/{hook.token}" in r.text
    assert hook.secret in r.text
    listing = client.get("/integrations")
    assert "Google Ads Q4" in listing.text
    assert hook.secret not in listing.text
    assert hook.secret not in client.get(f"/integrations/{hook.id}").text


def test_create_meta_needs_the_app_secret(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    token = page_token(client, "/integrations")
    r = client.post(
        "/integrations",
        data={"kind": "meta", "name": "<b>Meta</b>", "csrf_token": token},
        headers=GERMAN,
    )
    assert r.status_code == 422
    assert "Der Hook wurde nicht gespeichert." in r.text
    assert 'value="&lt;b&gt;Meta&lt;/b&gt;"' in r.text
    assert all_hooks(db) == []
    r = client.post(
        "/integrations",
        data={
            "kind": "meta",
            "name": "Meta",
            "app_secret": "abc123",
            "access_token": "EAAG",
            "csrf_token": token,
        },
    )
    (hook,) = all_hooks(db)
    assert (hook.secret, hook.access_token) == ("abc123", "EAAG")
    assert hook.verify_token is not None
    assert hook.verify_token in r.text
    assert "abc123" not in r.text


def test_rotate_gives_a_new_secret(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    with db.transaction() as session:
        hook = make_hook(session, HookKind.GENERIC)
    old = hook.secret
    token = page_token(client, f"/integrations/{hook.id}")
    r = client.post(f"/integrations/{hook.id}/rotate", data={"csrf_token": token})
    (after,) = all_hooks(db)
    assert after.secret != old
    assert after.secret in r.text
    assert old not in r.text


def test_mapping_is_validated_and_saved(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    with db.transaction() as session:
        hook = make_hook(session, HookKind.GENERIC)
    token = page_token(client, f"/integrations/{hook.id}")
    bad = client.post(
        f"/integrations/{hook.id}/mapping",
        data={"map_email": "contact..email", "map_phone": "data.phone", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert (
        "&#39;contact..email&#39; is not a path: A name is missing before position 8." in bad.text
    )
    assert 'value="data.phone"' in bad.text
    assert all_hooks(db)[0].field_mapping == {}
    ok = client.post(
        f"/integrations/{hook.id}/mapping",
        data={
            "map_email": "contact.email",
            "map_company": "data.fields[0].value",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert all_hooks(db)[0].field_mapping == {
        "email": "contact.email",
        "company": "data.fields[0].value",
    }


def test_dead_letter_list_shows_markup_as_text_and_retries(
    app: FastAPI, client: TestClient, db: Database
) -> None:
    signed_in(client, db)
    graph = FakeGraphApi(failure=GraphApiError('Graph says <script>alert("x")</script>'))
    app.state.meta_graph = graph
    with db.transaction() as session:
        meta = make_hook(session, HookKind.META, name='<img src=x onerror="alert(1)">')
        generic = make_hook(session, HookKind.GENERIC)
    body = json.dumps(fixture("meta_leadgen_notification.json")).encode()
    assert (
        client.post(hooks.hook_path(meta), content=body, headers=meta_headers(body)).json()[
            "failed"
        ]
        == 3
    )
    evil = json.dumps({"email": "not an address", "note": "<script>steal()</script>"}).encode()
    client.post(
        hooks.hook_path(generic), content=evil, headers=generic_headers(evil, generic.secret)
    )
    page = client.get("/integrations/dead-letters")
    assert page.status_code == 200
    assert "<script>" not in page.text
    assert "<img src=x" not in page.text
    assert str(escape('"note": "<script>steal()</script>"')) in page.text
    assert "&lt;img src=x onerror=" in page.text
    assert page.text.count('action="/integrations/deliveries/') == 4

    graph.failure = None
    graph.respond = lambda leadgen_id: {
        "id": leadgen_id,
        "field_data": [{"name": "email", "values": [f"l{leadgen_id}@example.org"]}],
    }
    with db.read() as session:
        first = session.scalars(select(InboundDelivery).order_by(InboundDelivery.id)).first()
    assert first is not None
    token = page_token(client, "/integrations/dead-letters")
    r = client.post(
        f"/integrations/deliveries/{first.id}/retry",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/integrations/dead-letters?notice=retried"
    r = client.post(
        "/integrations/dead-letters/retry", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.headers["location"] == "/integrations/dead-letters?notice=retried_all"
    with db.read() as session:
        rows = session.scalars(select(InboundDelivery).order_by(InboundDelivery.id))
        statuses = [d.status for d in rows]
    assert statuses == [DeliveryStatus.PROCESSED] * 3 + [DeliveryStatus.FAILED]
    again = client.get("/integrations/dead-letters?notice=retried_all", headers=GERMAN)
    assert "Alle fehlgeschlagenen Zustellungen wurden erneut versucht." in again.text
    assert again.text.count('action="/integrations/deliveries/') == 1


def test_pause_and_delete(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    with db.transaction() as session:
        hook = make_hook(session, HookKind.GOOGLE_ADS)
    token = page_token(client, "/integrations")
    r = client.post(
        f"/integrations/{hook.id}/active",
        data={"active": "false", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/integrations?notice=deactivated"
    assert all_hooks(db)[0].is_active is False
    assert client.get(f"/integrations/{hook.id}/delete").status_code == 200
    r = client.post(
        f"/integrations/{hook.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.headers["location"] == "/integrations?notice=deleted"
    assert all_hooks(db) == []


def test_pages_in_german(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    with db.transaction() as session:
        hook = make_hook(session, HookKind.GENERIC)
    r = client.get("/integrations", headers=GERMAN)
    assert "<h1>Integrationen</h1>" in r.text
    assert "Generisches signiertes JSON" in r.text
    d = client.get(f"/integrations/{hook.id}", headers=GERMAN)
    assert "Feldzuordnung" in d.text
