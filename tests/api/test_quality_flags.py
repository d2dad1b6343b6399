"""Quality flags come back with the lead, and the optional MX check reaches intake through the
container (here a fake lookup: the tests make no DNS queries)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.testclient import TestClient

from leadwerk.capture.quality.ports import FakeMxLookup


def test_flags_of_a_new_lead(client: TestClient, headers: dict[str, str]) -> None:
    r = client.post(
        "/api/v1/leads",
        json={
            "email": "vertrieb@acme.de",
            "phone": "0171 2345678",
            "country": "DE",
            "job_title": "Leiterin Einkauf",
        },
        headers=headers,
    )
    assert r.status_code == 201
    body = r.json()
    assert (body["email_status"], body["phone_status"], body["seniority"]) == (
        "role",
        "mobile",
        "director",
    )
    assert body["job_function"] == "purchasing"


def test_flags_follow_an_edit(client: TestClient, headers: dict[str, str]) -> None:
    lead = client.post(
        "/api/v1/leads", json={"email": "x@mailinator.com", "job_title": "CEO"}, headers=headers
    ).json()
    assert (lead["email_status"], lead["seniority"]) == ("disposable", "executive")
    r = client.patch(
        f"/api/v1/leads/{lead['id']}",
        json={"email": "anna@acme.de", "job_title": "Werkstudentin"},
        headers=headers,
    )
    assert r.status_code == 200
    assert (r.json()["email_status"], r.json()["seniority"]) == ("valid", "entry")


def test_the_mx_check_flags_domains_without_mail(
    app: FastAPI, client: TestClient, headers: dict[str, str]
) -> None:
    mx = FakeMxLookup(accepting={"acme.de"}, refusing={"nomail.example"})
    app.state.container.mx_lookup = mx
    one = client.post("/api/v1/leads", json={"email": "a@nomail.example"}, headers=headers)
    assert one.json()["email_status"] == "no_mx"
    batch = client.post(
        "/api/v1/leads:batch",
        json={"leads": [{"email": "b@nomail.example"}, {"email": "info@acme.de"}]},
        headers=headers,
    )
    assert [i["lead"]["email_status"] for i in batch.json()["items"]] == ["no_mx", "role"]
    assert set(mx.asked) == {"nomail.example", "acme.de"}
