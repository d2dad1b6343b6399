"""write_batch, stitch, identify and abandoned carts on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadwerk.capture.tracking import service
from leadwerk.capture.tracking.models import TrackingEvent, Visitor
from leadwerk.capture.tracking.types import EventType, WriteResult
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Channel, TouchpointType
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead
from tests.factories.tracking import (
    cart,
    custom,
    identify,
    page_view,
    page_views,
    tracked,
    visitor_id,
)


def _events(session: Session, anonymous_id: str) -> list[TrackingEvent]:
    return list(
        session.scalars(
            select(TrackingEvent)
            .join(Visitor, Visitor.id == TrackingEvent.visitor_id)
            .where(Visitor.anonymous_id == anonymous_id)
            .order_by(TrackingEvent.id)
        )
    )


def _visitor(session: Session, anonymous_id: str) -> Visitor:
    return session.scalars(select(Visitor).where(Visitor.anonymous_id == anonymous_id)).one()


def _touchpoints(session: Session, lead_id: int) -> list[Touchpoint]:
    return list(
        session.scalars(
            select(Touchpoint).where(Touchpoint.lead_id == lead_id).order_by(Touchpoint.id)
        )
    )


def test_write_batch_stores_events_and_the_visitors_first_touch(db: Database) -> None:
    vid = visitor_id()
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    first = tracked(
        page_view(
            "https://www.example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=nov",
            referrer="https://mail.example.net/",
            title="Home",
            ts=t0.timestamp() * 1000,
        ),
        vid,
    )
    second = tracked(custom("video_played", {"seconds": 42}), vid)
    with db.transaction() as s:
        assert service.write_batch(s, [first, second]) == WriteResult(2, 1, 0, 0)
    with db.transaction() as s:
        service.write_batch(s, [tracked(page_view("https://www.example.com/later"), vid)])
    with db.read() as s:
        visitor = _visitor(s, vid)
        assert visitor.lead_id is None
        assert visitor.first_channel is Channel.EMAIL
        assert (visitor.first_utm_source, visitor.first_utm_medium) == ("newsletter", "email")
        assert visitor.first_utm_campaign == "nov"
        assert visitor.first_referrer == "https://mail.example.net/"
        assert visitor.first_url is not None
        assert visitor.first_url.endswith("utm_campaign=nov")
        assert abs(visitor.first_seen_at - t0) < timedelta(milliseconds=2)
        assert visitor.last_seen_at > visitor.first_seen_at
        events = _events(s, vid)
        assert [(e.type, e.name, e.channel) for e in events] == [
            (EventType.PAGE_VIEW, None, Channel.EMAIL),
            (EventType.EVENT, "video_played", Channel.DIRECT),
            (EventType.PAGE_VIEW, None, Channel.DIRECT),
        ]
        assert events[0].properties == {"title": "Home"}
        assert events[1].properties == {"seconds": 42}
        assert [e.lead_id for e in events] == [None, None, None]


def test_stitch_hands_the_earlier_events_to_the_lead_and_its_timeline(db: Database) -> None:
    vid = visitor_id()
    with db.transaction() as s:
        lead = make_lead(s, email="stitch@example.com")
        service.write_batch(s, [*page_views(vid, 3), tracked(custom("download"), vid)])
        lead_id = lead.id
    with db.transaction() as s:
        assert service.stitch(s, vid, lead_id) == 4
    with db.transaction() as s:
        assert service.stitch(s, vid, lead_id) == 0  # nothing anonymous is left
    with db.read() as s:
        assert [e.lead_id for e in _events(s, vid)] == [lead_id] * 4
        assert _visitor(s, vid).lead_id == lead_id
        assert _visitor(s, vid).stitched_at is not None
        tps = [tp for tp in _touchpoints(s, lead_id) if tp.source == "tracking"]
        assert [tp.type for tp in tps] == [TouchpointType.PAGE_VIEW] * 3 + [TouchpointType.EVENT]
        assert tps[3].properties == {"tracking_event": "event", "name": "download"}
        kinds = [(e.kind, e.title) for e in leads.timeline(s, lead_id)]
        assert kinds.count(("touchpoint", "page_view")) == 3
        assert kinds.count(("touchpoint", "event")) == 1
    # Events after stitching go straight to the lead.
    with db.transaction() as s:
        service.write_batch(s, page_views(vid, 2))
    with db.read() as s:
        assert [e.lead_id for e in _events(s, vid)] == [lead_id] * 6
        assert sum(tp.source == "tracking" for tp in _touchpoints(s, lead_id)) == 6


def test_stitching_an_unknown_visitor_links_its_future_events(db: Database) -> None:
    vid = visitor_id()
    landing = "https://www.example.com/?utm_source=linkedin&utm_medium=paid_social"
    with db.transaction() as s:
        lead_id = make_lead(s).id
        assert service.stitch(s, vid, lead_id) == 0
        service.write_batch(s, [tracked(page_view(landing), vid), *page_views(vid, 1)])
    with db.read() as s:
        assert [e.lead_id for e in _events(s, vid)] == [lead_id, lead_id]
        visitor = _visitor(s, vid)  # the first batch still brings the first touch
        assert (visitor.first_url, visitor.first_channel) == (landing, Channel.PAID_SOCIAL)
        assert visitor.first_utm_source == "linkedin"


def test_identify_in_the_first_batch_keeps_the_first_touch(db: Database) -> None:
    vid = visitor_id()
    landing = "https://www.example.com/?utm_source=newsletter&utm_medium=email"
    with db.transaction() as s:
        result = service.write_batch(
            s, [tracked(page_view(landing), vid), tracked(identify("first@example.com"), vid)]
        )
        assert result == WriteResult(events=2, visitors=1, stitched=0, leads=1)
        lead = s.scalars(select(Lead).where(Lead.email == "first@example.com")).one()
        assert (lead.utm_source, lead.channel) == ("newsletter", Channel.EMAIL)
        visitor = _visitor(s, vid)
        assert (visitor.lead_id, visitor.first_url) == (lead.id, landing)
        assert visitor.first_channel is Channel.EMAIL
        assert [e.lead_id for e in _events(s, vid)] == [lead.id, lead.id]
        assert [tp.type for tp in _touchpoints(s, lead.id)] == [
            TouchpointType.EVENT,
            TouchpointType.PAGE_VIEW,
        ]


def test_identify_creates_the_lead_with_the_first_touch_and_stitches(db: Database) -> None:
    vid = visitor_id()
    landing = tracked(
        page_view("https://www.example.com/?utm_source=google&utm_medium=cpc&utm_campaign=crm"),
        vid,
    )
    with db.transaction() as s:
        service.write_batch(s, [landing, *page_views(vid, 2)])
    with db.transaction() as s:
        who = tracked(identify("jana.kraus@Example.de", first_name="jana", plan="pro"), vid)
        after = tracked(page_view("https://www.example.com/thanks"), vid)
        result = service.write_batch(s, [who, after])
    assert result == WriteResult(events=2, visitors=1, stitched=3, leads=1)
    with db.read() as s:
        lead = s.scalars(select(Lead).where(Lead.email == "jana.kraus@example.de")).one()
        assert lead.first_name == "Jana"
        assert (lead.source, lead.utm_source, lead.utm_medium, lead.utm_campaign) == (
            "tracking",
            "google",
            "cpc",
            "crm",
        )
        assert lead.channel is Channel.PAID_SEARCH
        events = _events(s, vid)
        assert [e.lead_id for e in events] == [lead.id] * 5
        assert events[3].type is EventType.IDENTIFY
        assert events[3].properties == {"plan": "pro"}  # the address lives on the lead only
        tps = _touchpoints(s, lead.id)
        assert [tp.type for tp in tps] == [
            TouchpointType.EVENT,  # the intake's own touchpoint for identify
            TouchpointType.PAGE_VIEW,  # the three stitched page views
            TouchpointType.PAGE_VIEW,
            TouchpointType.PAGE_VIEW,
            TouchpointType.PAGE_VIEW,  # the page view after identify
        ]


def test_identify_of_a_known_address_updates_that_lead(db: Database) -> None:
    vid = visitor_id()
    with db.transaction() as s:
        lead_id = make_lead(s, email="known@example.com", first_name="Old").id
        service.write_batch(s, [tracked(identify("known@example.com", company="Acme AG"), vid)])
    with db.read() as s:
        assert (
            s.scalar(
                select(func.count()).select_from(Lead).where(Lead.email == "known@example.com")
            )
            == 1
        )
        assert s.get(Lead, lead_id).company == "Acme AG"  # type: ignore[union-attr]
        assert _visitor(s, vid).lead_id == lead_id


def test_abandoned_cart_with_an_address_creates_a_lead(db: Database) -> None:
    vid = visitor_id()
    with db.transaction() as s:
        service.write_batch(s, [tracked(cart(249.9, "EUR", email="cart@example.com"), vid)])
    with db.read() as s:
        lead = s.scalars(select(Lead).where(Lead.email == "cart@example.com")).one()
        abandoned = lead.attributes["abandoned_cart"]
        assert (abandoned["value"], abandoned["currency"], abandoned["items"]) == (
            249.9,
            "EUR",
            [{"sku": "A-1"}],
        )
        assert abandoned["url"] == "https://shop.example.com/cart"
        assert [tp.type for tp in _touchpoints(s, lead.id)] == [TouchpointType.CART_ABANDONED]
        assert _visitor(s, vid).lead_id == lead.id


def test_abandoned_cart_of_a_stitched_visitor_updates_its_lead(db: Database) -> None:
    vid = visitor_id()
    with db.transaction() as s:
        lead_id = make_lead(s, email="buyer@example.com").id
        service.stitch(s, vid, lead_id)
        service.write_batch(s, [tracked(cart(10, "CHF"), vid)])
    with db.read() as s:
        lead = s.get(Lead, lead_id)
        assert lead is not None
        assert lead.attributes["abandoned_cart"]["value"] == 10
        assert lead.attributes["abandoned_cart"]["currency"] == "CHF"
        assert [tp.type for tp in _touchpoints(s, lead_id)] == [
            TouchpointType.API,
            TouchpointType.CART_ABANDONED,
        ]
        assert [e.lead_id for e in _events(s, vid)] == [lead_id]


def test_anonymous_abandoned_cart_is_only_stored(db: Database) -> None:
    vid = visitor_id()
    with db.transaction() as s:
        before = s.scalar(select(func.count()).select_from(Lead))
        result = service.write_batch(s, [tracked(cart(5, "EUR"), vid)])
        assert result == WriteResult(1, 1, 0, 0)
        assert s.scalar(select(func.count()).select_from(Lead)) == before
        [event] = _events(s, vid)
        assert (event.type, event.lead_id) == (EventType.CART_ABANDONED, None)
        assert event.properties == {"cart_value": 5, "currency": "EUR", "items": [{"sku": "A-1"}]}


def test_summary_and_recent_events(db: Database) -> None:
    vid, other = visitor_id(), visitor_id()
    since = datetime.now(UTC) - timedelta(minutes=1)
    with db.transaction() as s:
        before = service.summary(s, since)
        service.write_batch(s, page_views(vid, 2) + page_views(other, 1))
        service.stitch(s, other, make_lead(s).id)
        after = service.summary(s, since)
        assert after.events - before.events == 3
        assert after.visitors - before.visitors == 2
        assert after.identified_visitors - before.identified_visitors == 1
        recent = service.recent_events(s, limit=3)
        assert [r.anonymous_id for r in recent] == [other, vid, vid]
        assert recent[0].url == "https://www.example.com/p/0"


def test_stitch_ignores_ids_the_snippet_cannot_have_made(db: Database) -> None:
    with db.transaction() as s:
        lead_id = make_lead(s).id
        visitors = s.scalar(select(func.count()).select_from(Visitor))
        assert service.stitch(s, "x" * 65, lead_id) == 0
        assert service.stitch(s, "<script>", lead_id) == 0
        assert service.stitch(s, "", lead_id) == 0
        assert s.scalar(select(func.count()).select_from(Visitor)) == visitors
