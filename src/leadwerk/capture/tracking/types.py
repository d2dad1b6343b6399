"""What the tracking snippet sends, once validated, and what a batch answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from leadwerk.leads.types import Channel


class EventType(StrEnum):
    PAGE_VIEW = "page_view"
    EVENT = "event"  # a custom event: leadwerk('track', name, props)
    IDENTIFY = "identify"
    CART_ABANDONED = "cart_abandoned"


@dataclass(frozen=True, slots=True)
class Identity:
    """What `identify` (or an abandoned cart with an address) tells about the visitor."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    job_title: str | None = None
    country: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class TrackedEvent:
    """One event that passed validation, ready for the writer."""

    anonymous_id: str
    type: EventType
    name: str | None
    url: str | None
    referrer: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    channel: Channel
    occurred_at: datetime
    received_at: datetime
    properties: dict[str, Any] = field(default_factory=dict)
    identity: Identity | None = None  # identify, and cart_abandoned with an email


@dataclass(frozen=True, slots=True)
class Rejection:
    """An event of a batch that was refused: its index and a message per field."""

    index: int
    errors: dict[str, str]


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    """A request's events split into the valid ones and the refused ones."""

    events: list[TrackedEvent]
    rejected: list[Rejection]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one committed write did (for counts and tests)."""

    events: int
    visitors: int
    stitched: int
    leads: int
