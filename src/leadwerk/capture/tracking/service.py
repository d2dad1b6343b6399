"""Use cases of site tracking: store a batch of events, stitch a visitor to a lead.

`write_batch` is what the group-commit writer (`writer.py`) runs for many requests at once, in
one transaction: the intake pipeline only for events that name a person (identify, a cart
with an address), then the batch's visitors and events: on PostgreSQL ONE statement (an
upsert of the visitors, which answers each one's lead, and an INSERT … SELECT of all events
from arrays), on SQLite an upsert and an executemany INSERT; then touchpoints for visitors
already known as leads. No visitor is looked up per event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, case, func, insert, select, update
from sqlalchemy.orm import Session

from leadwerk.capture import service as capture
from leadwerk.capture.tracking import rules
from leadwerk.capture.tracking.models import TrackingEvent, Visitor
from leadwerk.capture.tracking.types import EventType, Identity, TrackedEvent, WriteResult
from leadwerk.capture.types import Intake
from leadwerk.errors import DomainError
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Channel, TouchpointType
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import upsert_insert

log = logging.getLogger("leadwerk.tracking")

ACTOR = "tracking"
SOURCE = "tracking"
_visitors = cast(Table, Visitor.__table__)
_events = cast(Table, TrackingEvent.__table__)
_touchpoints = cast(Table, Touchpoint.__table__)
_TOUCHPOINT_TYPE = {
    EventType.PAGE_VIEW: TouchpointType.PAGE_VIEW,
    EventType.EVENT: TouchpointType.EVENT,
    EventType.IDENTIFY: TouchpointType.EVENT,
    EventType.CART_ABANDONED: TouchpointType.CART_ABANDONED,
}
_UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


@dataclass
class _VisitorRow:
    id: int
    lead_id: int | None
    first_utm: dict[str, str | None]
    first_referrer: str | None


def _first_touches(events: Sequence[TrackedEvent]) -> dict[str, dict[str, Any]]:
    """One visitors row per visitor of the batch, first touch from its earliest event."""
    rows: dict[str, dict[str, Any]] = {}
    for ev in sorted(events, key=lambda e: e.occurred_at):
        row = rows.get(ev.anonymous_id)
        if row is None:
            rows[ev.anonymous_id] = {
                "anonymous_id": ev.anonymous_id,
                "lead_id": None,
                "first_seen_at": ev.occurred_at,
                "last_seen_at": ev.occurred_at,
                "stitched_at": None,
                "first_channel": ev.channel,
                **{f"first_{u}": getattr(ev, u) for u in _UTM},
                "first_referrer": ev.referrer,
                "first_url": ev.url,
            }
        else:
            row["last_seen_at"] = ev.occurred_at
    return rows


_FIRST_TOUCH = ("first_seen_at", "first_channel", "first_referrer", *(f"first_{u}" for u in _UTM))


def _upsert_visitors(session: Session, rows: dict[str, dict[str, Any]]) -> dict[str, _VisitorRow]:
    """New visitors get their first touch, known ones a new last-seen time (and the first
    touch if they have none yet: a visitor a form stitched before its first event). Sorted
    by id, so concurrent batches lock the rows in the same order."""
    ordered = [rows[k] for k in sorted(rows)]
    stmt = upsert_insert(session.connection().dialect.name, _visitors)
    untouched = _visitors.c.first_url.is_(None)
    fill = {
        name: case((untouched, stmt.excluded[name]), else_=_visitors.c[name])
        for name in _FIRST_TOUCH
    }
    stmt = stmt.on_conflict_do_update(
        index_elements=[_visitors.c.anonymous_id],
        set_={
            "last_seen_at": stmt.excluded.last_seen_at,
            **fill,
            "first_url": func.coalesce(_visitors.c.first_url, stmt.excluded.first_url),
        },
    ).returning(_visitors.c.id, _visitors.c.anonymous_id, _visitors.c.lead_id)
    # One statement, many parameter sets: SQLAlchemy sends them as multi-row VALUES
    # ("insertmanyvalues") and compiles the statement once, not once per batch size.
    return {
        r.anonymous_id: _VisitorRow(r.id, r.lead_id, {}, None)
        for r in session.connection().execute(stmt, ordered)
    }


def _known_touches(
    session: Session, rows: dict[str, dict[str, Any]], anonymous_ids: set[str]
) -> dict[str, _VisitorRow]:
    """Lead and first touch of the visitors an intake needs, read without a lock (the
    intake takes its locks first, as a form submission does, so the two cannot deadlock)."""
    found = {
        r.anonymous_id: r
        for r in session.connection().execute(
            select(
                _visitors.c.anonymous_id,
                _visitors.c.lead_id,
                _visitors.c.first_url,
                _visitors.c.first_referrer,
                *(_visitors.c[f"first_{u}"] for u in _UTM),
            ).where(_visitors.c.anonymous_id.in_(sorted(anonymous_ids)))
        )
    }
    out: dict[str, _VisitorRow] = {}
    for anonymous_id in anonymous_ids:
        known = found.get(anonymous_id)
        source: Any = rows[anonymous_id]
        if known is not None and known.first_url is not None:
            source = known._mapping
        out[anonymous_id] = _VisitorRow(
            0,
            known.lead_id if known is not None else None,
            {u: source[f"first_{u}"] for u in _UTM},
            source["first_referrer"],
        )
    return out


def _touchpoint(ev: Any, lead_id: int) -> dict[str, Any]:
    """The timeline entry of a tracking event (`ev`: a TrackedEvent or an events row)."""
    kind = EventType(ev.type)
    props: dict[str, Any] = {"tracking_event": kind.value}
    if ev.name:
        props["name"] = ev.name
    if ev.referrer:
        props["referrer"] = ev.referrer
    props.update(ev.properties or {})
    return {
        "lead_id": lead_id,
        "type": _TOUCHPOINT_TYPE[kind],
        "channel": ev.channel,
        "campaign_id": None,
        "source": SOURCE,
        **{u: getattr(ev, u) for u in _UTM},
        "url": ev.url,
        "occurred_at": ev.occurred_at,
        "properties": props,
    }


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """A cached single-row INSERT with many parameter sets: psycopg sends them pipelined,
    SQLite runs them in one executemany; no per-batch statement compilation."""
    if rows:
        session.connection().execute(insert(table), rows)


_FILL = ", ".join(
    f"{c} = CASE WHEN visitors.first_url IS NULL THEN EXCLUDED.{c} ELSE visitors.{c} END"
    for c in _FIRST_TOUCH
)
_UTM_ARRAYS = ", ".join(f"%({u})s::varchar[]" for u in _UTM)
# PostgreSQL: the visitors' upsert and the events' insert in ONE statement of constant text
# (psycopg prepares it after a few runs), the rows as arrays: one round trip per batch.
_PG_WRITE = f"""
WITH v AS (
  INSERT INTO visitors (anonymous_id, first_seen_at, last_seen_at, first_channel,
    {", ".join(f"first_{u}" for u in _UTM)}, first_referrer, first_url)
  SELECT * FROM unnest(%(v_anon)s::varchar[], %(v_first)s::timestamptz[],
    %(v_last)s::timestamptz[], %(v_channel)s::varchar[],
    {", ".join(f"%(v_{u})s::varchar[]" for u in _UTM)}, %(v_referrer)s::text[], %(v_url)s::text[])
  ORDER BY 1
  ON CONFLICT (anonymous_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, {_FILL},
    first_url = COALESCE(visitors.first_url, EXCLUDED.first_url)
  RETURNING id, anonymous_id, lead_id
), e AS (
  INSERT INTO tracking_events (visitor_id, lead_id, type, name, url, referrer,
    {", ".join(_UTM)}, channel, occurred_at, received_at, properties)
  SELECT v.id, v.lead_id, e.type, e.name, e.url, e.referrer, {", ".join(f"e.{u}" for u in _UTM)},
    e.channel, e.occurred_at, e.received_at, e.properties::jsonb
  FROM unnest(%(anon)s::varchar[], %(type)s::varchar[], %(name)s::varchar[], %(url)s::text[],
    %(referrer)s::text[], {_UTM_ARRAYS}, %(channel)s::varchar[], %(occurred_at)s::timestamptz[],
    %(received_at)s::timestamptz[], %(properties)s::text[])
    AS e(anon, type, name, url, referrer, {", ".join(_UTM)}, channel, occurred_at, received_at,
      properties)
  JOIN v ON v.anonymous_id = e.anon
  RETURNING 1
)
SELECT v.anonymous_id, v.lead_id, (SELECT count(*) FROM e) FROM v
"""  # noqa: S608 - built at import from constant column names; every value is bound


def _pg_write(
    session: Session, rows: dict[str, dict[str, Any]], events: Sequence[TrackedEvent]
) -> dict[str, int | None]:
    """Visitors and events in one statement; the lead of each visitor."""
    ordered = [rows[k] for k in sorted(rows)]
    params: dict[str, Any] = {
        "v_anon": [r["anonymous_id"] for r in ordered],
        "v_first": [r["first_seen_at"] for r in ordered],
        "v_last": [r["last_seen_at"] for r in ordered],
        "v_channel": [r["first_channel"].value for r in ordered],
        "v_referrer": [r["first_referrer"] for r in ordered],
        "v_url": [r["first_url"] for r in ordered],
        "anon": [e.anonymous_id for e in events],
        "type": [e.type.value for e in events],
        "name": [e.name for e in events],
        "url": [e.url for e in events],
        "referrer": [e.referrer for e in events],
        "channel": [e.channel.value for e in events],
        "occurred_at": [e.occurred_at for e in events],
        "received_at": [e.received_at for e in events],
        "properties": [json.dumps(e.properties, separators=(",", ":")) for e in events],
    }
    for u in _UTM:
        params[f"v_{u}"] = [r[f"first_{u}"] for r in ordered]
        params[u] = [getattr(e, u) for e in events]
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor:
        found = cursor.execute(_PG_WRITE, params).fetchall()
    if not found or found[0][2] != len(events):  # pragma: no cover - a bug, not bad input
        raise RuntimeError(f"tracking batch stored {found[0][2] if found else 0} of {len(events)}")
    return {anonymous_id: lead_id for anonymous_id, lead_id, _ in found}


def write_batch(session: Session, events: Sequence[TrackedEvent]) -> WriteResult:
    """Store validated events of any number of requests, inside the caller's transaction.

    Events that name a person go through the intake pipeline first (it locks the address,
    then `stitch` the visitor: the order a form submission uses too); then one upsert of
    all visitors, which answers the lead each is linked to, then the events."""
    if not events:
        return WriteResult(events=0, visitors=0, stitched=0, leads=0)
    rows = _first_touches(events)
    naming = sorted(
        (
            (ev.anonymous_id, index, ev)
            for index, ev in enumerate(events)
            if ev.type in (EventType.IDENTIFY, EventType.CART_ABANDONED)
        ),
        key=lambda item: (item[0], item[1]),
    )
    through_intake: set[int] = set()
    stitched = 0
    leads_touched: set[int] = set()
    if naming:
        touches = _known_touches(session, rows, {anonymous_id for anonymous_id, _, _ in naming})
        for anonymous_id, index, ev in naming:
            visitor = touches[anonymous_id]
            lead_id = _intake(session, ev, visitor)
            if lead_id is None:
                continue
            through_intake.add(index)
            leads_touched.add(lead_id)
            if visitor.lead_id != lead_id:
                stitched += stitch(session, anonymous_id, lead_id)
                visitor.lead_id = lead_id
    if session.connection().dialect.name == "postgresql":
        lead_of = _pg_write(session, rows, events)
        touchpoints = [
            _touchpoint(ev, lead_id)
            for index, ev in enumerate(events)
            if (lead_id := lead_of[ev.anonymous_id]) is not None and index not in through_intake
        ]
        _insert_many(session, _touchpoints, touchpoints)
        return WriteResult(
            events=len(events), visitors=len(rows), stitched=stitched, leads=len(leads_touched)
        )
    visitors = _upsert_visitors(session, rows)
    stored = []
    touchpoints = []
    for index, ev in enumerate(events):
        visitor = visitors[ev.anonymous_id]
        stored.append(
            {
                "visitor_id": visitor.id,
                "lead_id": visitor.lead_id,
                "type": ev.type,
                "name": ev.name,
                "url": ev.url,
                "referrer": ev.referrer,
                **{u: getattr(ev, u) for u in _UTM},
                "channel": ev.channel,
                "occurred_at": ev.occurred_at,
                "received_at": ev.received_at,
                "properties": ev.properties,
            }
        )
        if visitor.lead_id is not None and index not in through_intake:
            touchpoints.append(_touchpoint(ev, visitor.lead_id))
    _insert_many(session, _events, stored)
    _insert_many(session, _touchpoints, touchpoints)
    return WriteResult(
        events=len(stored), visitors=len(visitors), stitched=stitched, leads=len(leads_touched)
    )


def _intake(session: Session, ev: TrackedEvent, visitor: _VisitorRow) -> int | None:
    """Run the intake pipeline for an event that names a person; the lead's id, or None for
    an anonymous abandoned cart (stored as an event only)."""
    identity = ev.identity
    if identity is None and visitor.lead_id is not None:
        email = session.scalar(select(Lead.email).where(Lead.id == visitor.lead_id))
        identity = Identity(email=email) if email else None
    if identity is None:
        return None
    attributes: dict[str, Any] = {}
    kind = TouchpointType.EVENT
    if ev.type is EventType.CART_ABANDONED:
        kind = TouchpointType.CART_ABANDONED
        attributes["abandoned_cart"] = {
            "value": ev.properties.get("cart_value"),
            "currency": ev.properties.get("currency"),
            "items": ev.properties.get("items") or [],
            "url": ev.url,
            "at": ev.occurred_at.isoformat(),
        }
    utm: dict[str, Any] = visitor.first_utm  # (text fields only; Intake has others too)
    intake = Intake(
        email=identity.email,
        first_name=identity.first_name,
        last_name=identity.last_name,
        phone=identity.phone,
        company=identity.company,
        job_title=identity.job_title,
        country=identity.country,
        language=identity.language,
        source=SOURCE,
        referrer=visitor.first_referrer,
        url=ev.url,
        attributes=attributes,
        touchpoint_type=kind,
        occurred_at=ev.occurred_at,
        **utm,
    )
    try:
        with session.begin_nested():
            result, _lead = capture.run_intake(session, intake, actor=ACTOR)
    except DomainError as exc:  # checked at the door already; kept as an event if it happens
        log.warning("tracking intake refused: %s", exc.message)
        return None
    return result.lead_id


def stitch(session: Session, anonymous_id: str, lead_id: int) -> int:
    """Link the visitor to the lead and hand the lead its earlier anonymous events (each
    becomes a touchpoint on the lead's timeline); how many events were stitched.

    A visitor not seen yet is created already linked, so its first events go to the lead.
    An id the snippet cannot have made (a tampered form field) links nothing: 0."""
    if not rules.VISITOR_ID.fullmatch(anonymous_id or ""):
        return 0
    now = utcnow()
    stmt = upsert_insert(session.connection().dialect.name, _visitors).values(
        anonymous_id=anonymous_id,
        lead_id=lead_id,
        first_seen_at=now,
        last_seen_at=now,
        stitched_at=now,
        first_channel=Channel.DIRECT,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[_visitors.c.anonymous_id],
        set_={"lead_id": lead_id, "stitched_at": now},
    ).returning(_visitors.c.id)
    conn = session.connection()
    visitor_id = conn.execute(stmt).scalar_one()
    moved = conn.execute(
        update(_events)
        .where(_events.c.visitor_id == visitor_id, _events.c.lead_id.is_(None))
        .values(lead_id=lead_id)
        .returning(*(_events.c[name] for name in _TOUCHPOINT_SOURCE))
    ).all()
    _insert_many(session, _touchpoints, [_touchpoint(row, lead_id) for row in moved])
    if moved:
        log.info("visitor %s stitched to lead %s: %d events", visitor_id, lead_id, len(moved))
    return len(moved)


_TOUCHPOINT_SOURCE = (
    "type",
    "name",
    "referrer",
    "properties",
    "channel",
    *_UTM,
    "url",
    "occurred_at",
)


# --- what the UI shows ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    events: int
    visitors: int
    identified_visitors: int
    events_total: int


@dataclass(frozen=True, slots=True)
class RecentEvent:
    occurred_at: datetime
    type: EventType
    name: str | None
    url: str | None
    channel: Channel
    anonymous_id: str
    lead_id: int | None


def summary(session: Session, since: datetime) -> Summary:
    """Events and visitors since `since`, visitors known as leads, and all events stored."""
    return Summary(
        events=session.scalar(
            select(func.count()).select_from(_events).where(_events.c.received_at >= since)
        )
        or 0,
        visitors=session.scalar(
            select(func.count()).select_from(_visitors).where(_visitors.c.last_seen_at >= since)
        )
        or 0,
        identified_visitors=session.scalar(
            select(func.count()).select_from(_visitors).where(_visitors.c.lead_id.is_not(None))
        )
        or 0,
        events_total=session.scalar(select(func.count()).select_from(_events)) or 0,
    )


def recent_events(session: Session, limit: int = 50) -> list[RecentEvent]:
    rows = session.execute(
        select(
            TrackingEvent.occurred_at,
            TrackingEvent.type,
            TrackingEvent.name,
            TrackingEvent.url,
            TrackingEvent.channel,
            Visitor.anonymous_id,
            TrackingEvent.lead_id,
        )
        .join(Visitor, Visitor.id == TrackingEvent.visitor_id)
        .order_by(TrackingEvent.id.desc())
        .limit(limit)
    )
    return [RecentEvent(*row) for row in rows]
