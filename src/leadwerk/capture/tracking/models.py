"""Tables of capture.tracking: the anonymous visitors and their events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.capture.tracking.types import EventType
from leadwerk.leads.types import Channel
from leadwerk.storage.base import (
    Base,
    BigId,
    EnumValue,
    JSONDoc,
    UTCDateTime,
    index_where_set,
    utcnow,
)


class Visitor(Base):
    """A browser that consented to tracking, known by the random id the snippet made."""

    __tablename__ = "visitors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    anonymous_id: Mapped[str] = mapped_column(String(64), unique=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    stitched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_channel: Mapped[Channel] = mapped_column(EnumValue(Channel), default=Channel.DIRECT)
    first_utm_source: Mapped[str | None] = mapped_column(String(200))
    first_utm_medium: Mapped[str | None] = mapped_column(String(200))
    first_utm_campaign: Mapped[str | None] = mapped_column(String(200))
    first_utm_term: Mapped[str | None] = mapped_column(String(200))
    first_utm_content: Mapped[str | None] = mapped_column(String(200))
    first_referrer: Mapped[str | None] = mapped_column(Text)
    first_url: Mapped[str | None] = mapped_column(Text)


class TrackingEvent(Base):
    """One page view, custom event, identify call or abandoned cart of a visitor."""

    __tablename__ = "tracking_events"
    __table_args__ = (
        Index("ix_tracking_events_visitor_id_occurred_at", "visitor_id", "occurred_at"),
        # Partial: most events are anonymous and need no entry until they are stitched.
        index_where_set("ix_tracking_events_lead_id_occurred_at", "lead_id", "occurred_at"),
        Index("ix_tracking_events_received_at", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    type: Mapped[EventType] = mapped_column(EnumValue(EventType))
    name: Mapped[str | None] = mapped_column(String(100))
    url: Mapped[str | None] = mapped_column(Text)
    referrer: Mapped[str | None] = mapped_column(Text)
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    utm_term: Mapped[str | None] = mapped_column(String(200))
    utm_content: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(EnumValue(Channel))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    properties: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
