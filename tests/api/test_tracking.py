"""The tracking endpoints: snippet, CORS, per-event validation, bots, the server-side API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth.types import Scope
from leadwerk.capture.tracking.models import TrackingEvent, Visitor
from leadwerk.capture.tracking.types import EventType
from leadwerk.leads.models import Lead
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.api.conftest import bearer
from tests.factories.tracking import BROWSER_UA, cart, custom, identify, page_view, visitor_id

SITE = "https://shop.example.com"


@pytest.fixture
def tracking_app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings.model_copy(update={"tracking_allowed_origins": [SITE]}), db=db)


@pytest.fixture
def site(tracking_app: FastAPI) -> Iterator[TestClient]:
    """A browser on the shop's pages."""
    with TestClient(tracking_app, headers={"Origin": SITE, "User-Agent": BROWSER_UA}) as c:
        yield c


def _beacon(client: TestClient, body: Any, **headers: str) -> Any:
    return client.post(
        "/t/events",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "text/plain;charset=UTF-8", **headers},
    )


def _count(db: Database, anonymous_id: str) -> int:
    with db.read() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(TrackingEvent)
                .join(Visitor, Visitor.id == TrackingEvent.visitor_id)
                .where(Visitor.anonymous_id == anonymous_id)
            )
            or 0
        )


def test_the_snippet_is_served_as_javascript_for_other_origins(site: TestClient) -> None:
    response = site.get("/t/track.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "leadwerk.vid" in response.text
    assert "document.cookie" not in response.text


def test_a_beacon_from_an_allowed_origin_is_stored_before_the_answer(
    site: TestClient, db: Database
) -> None:
    vid = visitor_id()
    response = _beacon(site, {"visitor_id": vid, "events": [page_view(), custom("signup")]})
    assert response.status_code == 202
    assert response.json() == {"accepted": 2, "rejected": []}
    assert response.headers["access-control-allow-origin"] == SITE
    assert "set-cookie" not in response.headers
    assert _count(db, vid) == 2


def test_preflight_allowed_and_refused(site: TestClient) -> None:
    ok = site.options("/t/events", headers={"Access-Control-Request-Method": "POST"})
    assert ok.status_code == 204
    assert ok.headers["access-control-allow-origin"] == SITE
    assert ok.headers["access-control-allow-methods"] == "POST, OPTIONS"
    refused = site.options("/t/events", headers={"Origin": "https://evil.example.net"})
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("origin", ["https://evil.example.net", "http://shop.example.com", None])
def test_other_origins_are_refused_and_nothing_is_stored(
    tracking_app: FastAPI, db: Database, origin: str | None
) -> None:
    vid = visitor_id()
    headers = {"User-Agent": BROWSER_UA, **({"Origin": origin} if origin else {})}
    with TestClient(tracking_app, headers=headers) as client:
        response = _beacon(client, {"visitor_id": vid, "events": [page_view()]})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "LEADWERK_TRACKING_ALLOWED_ORIGINS" in response.json()["detail"]
    assert "access-control-allow-origin" not in response.headers
    assert _count(db, vid) == 0


def test_invalid_events_are_reported_by_index_and_the_valid_ones_kept(
    site: TestClient, db: Database
) -> None:
    vid = visitor_id()
    events = [page_view(), page_view("javascript:alert(1)"), custom("ok"), {"type": "x"}]
    response = _beacon(site, {"visitor_id": vid, "events": events})
    assert response.status_code == 202
    assert response.json() == {
        "accepted": 2,
        "rejected": [
            {"index": 1, "errors": {"url": "Must be an http or https URL."}},
            {
                "index": 3,
                "errors": {"type": "Must be one of page_view, event, identify, cart_abandoned."},
            },
        ],
    }
    assert _count(db, vid) == 2


def test_nan_in_properties_is_refused_per_event(site: TestClient, db: Database) -> None:
    vid = visitor_id()
    nan_event = '{"type": "event", "name": "x", "props": {"v": NaN}}'
    body = f'{{"visitor_id": "{vid}", "events": [{nan_event}, {json.dumps(page_view())}]}}'
    response = site.post("/t/events", content=body.encode(), headers={"Content-Type": "text/plain"})
    assert response.status_code == 202
    assert response.json()["rejected"] == [
        {"index": 0, "errors": {"props": "Numbers must be finite (no NaN or Infinity)."}}
    ]
    assert _count(db, vid) == 1


def test_a_batch_without_any_valid_event_is_a_422_problem(site: TestClient, db: Database) -> None:
    vid = visitor_id()
    response = _beacon(site, {"visitor_id": vid, "events": [{"type": "page_view"}]})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [
        {"field": "events[0].url", "message": "A page view needs the page's URL."}
    ]
    assert response.headers["access-control-allow-origin"] == SITE
    assert _count(db, vid) == 0


@pytest.mark.parametrize(
    ("content", "status", "field"),
    [
        (b"{not json", 400, "body"),
        (b'{"visitor_id": "x", "events": []}', 422, "visitor_id"),
        (b"[]", 422, "body"),
    ],
)
def test_bodies_that_are_not_a_batch(
    site: TestClient, content: bytes, status: int, field: str
) -> None:
    response = site.post("/t/events", content=content, headers={"Content-Type": "text/plain"})
    assert response.status_code == status
    assert response.json()["errors"][0]["field"] == field


def test_bots_are_answered_but_not_stored(tracking_app: FastAPI, db: Database) -> None:
    vid = visitor_id()
    with TestClient(tracking_app, headers={"Origin": SITE, "User-Agent": "Googlebot/2.1"}) as c:
        response = _beacon(c, {"visitor_id": vid, "events": [page_view()]})
    assert response.status_code == 202
    assert response.json() == {"accepted": 0, "rejected": [], "ignored": "bot"}
    assert _count(db, vid) == 0


def test_identify_through_the_endpoint_makes_a_lead(site: TestClient, db: Database) -> None:
    vid = visitor_id()
    _beacon(site, {"visitor_id": vid, "events": [page_view(), page_view()]})
    response = _beacon(site, {"visitor_id": vid, "events": [identify("ida@example.com")]})
    assert response.status_code == 202
    with db.read() as s:
        lead = s.scalars(select(Lead).where(Lead.email == "ida@example.com")).one()
        types = s.execute(
            select(TrackingEvent.type, TrackingEvent.lead_id).order_by(TrackingEvent.id)
        ).all()
    assert [t for t in types if t[1] == lead.id] == [
        (EventType.PAGE_VIEW, lead.id),
        (EventType.PAGE_VIEW, lead.id),
        (EventType.IDENTIFY, lead.id),
    ]


def test_cart_with_an_address_through_the_endpoint(site: TestClient, db: Database) -> None:
    response = _beacon(
        site,
        {"visitor_id": visitor_id(), "events": [cart(59, "EUR", email="cart.api@example.com")]},
    )
    assert response.status_code == 202
    with db.read() as s:
        lead = s.scalars(select(Lead).where(Lead.email == "cart.api@example.com")).one()
    assert lead.attributes["abandoned_cart"]["value"] == 59


def test_server_side_events_need_the_tracking_scope(client: TestClient, db: Database) -> None:
    vid = visitor_id()
    body = {"visitor_id": vid, "events": [page_view(), custom("order_paid", {"total": 120})]}
    refused = client.post(
        "/api/v1/tracking/events", json=body, headers=bearer(db, Scope.LEADS_WRITE)
    )
    assert refused.status_code == 403
    accepted = client.post(
        "/api/v1/tracking/events", json=body, headers=bearer(db, Scope.TRACKING_WRITE)
    )
    assert accepted.status_code == 202
    assert accepted.json() == {"accepted": 2, "rejected": []}
    assert _count(db, vid) == 2


def test_events_are_refused_with_503_once_the_writer_stopped(
    tracking_app: FastAPI, db: Database
) -> None:
    with TestClient(tracking_app, headers={"Origin": SITE, "User-Agent": BROWSER_UA}) as c:
        tracking_app.state.tracking_writer.stop()
        response = _beacon(c, {"visitor_id": visitor_id(), "events": [page_view()]})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
