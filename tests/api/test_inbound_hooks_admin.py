"""/api/v1/hooks: manage hooks and the dead-letter list with an API key (scope hooks:manage)."""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.testclient import TestClient

from leadwerk.auth.types import Scope
from leadwerk.capture.hooks.ports import FakeGraphApi, GraphApiError
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer
from tests.factories.hooks import META_APP_SECRET, fixture, meta_headers


def test_needs_the_scope(client: TestClient, db: Database) -> None:
    assert client.get("/api/v1/hooks").status_code == 401
    r = client.get("/api/v1/hooks", headers=bearer(db, Scope.LEADS_READ))
    assert r.status_code == 403
    assert r.json()["detail"] == "This API key lacks the scope hooks:manage."


def test_create_list_rotate_map_delete(client: TestClient, db: Database) -> None:
    auth = bearer(db, Scope.HOOKS_MANAGE)
    r = client.post("/api/v1/hooks", json={"kind": "google_ads", "name": "Q4"}, headers=auth)
    assert r.status_code == 201, r.text
    created = r.json()
    assert r.headers["location"] == f"/api/v1/hooks/{created['id']}"
    assert created["secret"].startswith("gak_")
    assert created["verify_token"] is None
    assert created["url"].startswith("http://testserver/hooks/google-ads/")
    listed = client.get("/api/v1/hooks", headers=auth).json()
    assert [(h["id"], h["name"], h["active"]) for h in listed] == [(created["id"], "Q4", True)]
    assert "secret" not in listed[0]

    rotated = client.post(f"/api/v1/hooks/{created['id']}/rotate-secret", headers=auth).json()
    assert rotated["secret"] != created["secret"]
    assert rotated["url"] == created["url"]

    generic = client.post(
        "/api/v1/hooks",
        json={"kind": "generic", "name": "n8n", "field_mapping": {"email": "a.b"}},
        headers=auth,
    ).json()
    bad = client.put(
        f"/api/v1/hooks/{generic['id']}/mapping",
        json={"field_mapping": {"email": "a..b", "nme": "x"}},
        headers=auth,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"mapping.email", "mapping.nme"}
    ok = client.put(
        f"/api/v1/hooks/{generic['id']}/mapping",
        json={"field_mapping": {"email": "contact.email"}},
        headers=auth,
    )
    assert ok.json()["field_mapping"] == {"email": "contact.email"}
    wrong_kind = client.put(
        f"/api/v1/hooks/{created['id']}/mapping", json={"field_mapping": {}}, headers=auth
    )
    assert wrong_kind.status_code == 409

    assert client.delete(f"/api/v1/hooks/{created['id']}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/hooks/{created['id']}", headers=auth).status_code == 404
    meta = client.post("/api/v1/hooks", json={"kind": "meta", "name": "Meta"}, headers=auth)
    assert meta.status_code == 422
    assert meta.json()["errors"] == [{"field": "app_secret", "message": "Paste the app secret."}]


def test_dead_letters_and_retry(app: FastAPI, client: TestClient, db: Database) -> None:
    auth = bearer(db, Scope.HOOKS_MANAGE)
    graph = FakeGraphApi(failure=GraphApiError("The Graph API answered HTTP 503: down"))
    app.state.meta_graph = graph
    meta = client.post(
        "/api/v1/hooks",
        json={"kind": "meta", "name": "Meta", "app_secret": META_APP_SECRET, "access_token": "t"},
        headers=auth,
    ).json()
    assert meta["secret"] is None
    body = json.dumps(fixture("meta_leadgen_notification.json")).encode()
    path = meta["url"].removeprefix("http://testserver")
    assert client.post(path, content=body, headers=meta_headers(body)).json()["failed"] == 3

    failed = client.get("/api/v1/hooks/deliveries?status=failed", headers=auth).json()
    assert [d["external_id"] for d in failed] == [
        "130528934038372",
        "130528934038371",
        "130528934038370",
    ]
    assert {d["error"] for d in failed} == {"The Graph API answered HTTP 503: down"}
    assert json.loads(failed[0]["payload"])["leadgen_id"] == "130528934038372"

    graph.failure = None
    graph.respond = lambda i: {"id": i, "field_data": [{"name": "email", "values": [f"{i}@x.de"]}]}
    one = client.post(f"/api/v1/hooks/deliveries/{failed[0]['id']}/retry", headers=auth)
    assert one.status_code == 200
    assert (one.json()["status"], one.json()["attempts"]) == ("processed", 2)
    again = client.post(f"/api/v1/hooks/deliveries/{failed[0]['id']}/retry", headers=auth)
    assert again.status_code == 409
    rest = client.post("/api/v1/hooks/deliveries/retry-failed", headers=auth)
    assert rest.json() == {"retried": 2, "processed": 2, "failed": 0}
    assert client.get("/api/v1/hooks/deliveries?status=failed", headers=auth).json() == []


def test_google_key_of_a_rotated_hook_stops_working(client: TestClient, db: Database) -> None:
    auth = bearer(db, Scope.HOOKS_MANAGE)
    hook = client.post("/api/v1/hooks", json={"kind": "google_ads", "name": "G"}, headers=auth)
    created = hook.json()
    path = created["url"].removeprefix("http://testserver")
    old = {**fixture("google_ads_lead.json"), "google_key": created["secret"]}
    client.post(f"/api/v1/hooks/{created['id']}/rotate-secret", headers=auth)
    assert client.post(path, json=old).status_code == 403
