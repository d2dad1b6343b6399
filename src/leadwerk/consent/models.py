"""Tables of consent: purposes, their versioned texts, and the consent ledger."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.consent.types import EventKind, Method, RequestStatus
from leadwerk.storage.base import Base, BigId, EnumValue, JSONDoc, UTCDateTime, utcnow


class ConsentPurpose(Base):
    """Why we may contact or process a person: newsletter, marketing_email, sales_contact,
    profiling, …; `double_opt_in` purposes are in force only once the person confirmed."""

    __tablename__ = "consent_purposes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label_en: Mapped[str] = mapped_column(String(200))
    label_de: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    double_opt_in: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def label_in(self, language: str) -> str:
        return self.label_de if language == "de" else self.label_en


class ConsentText(Base):
    """The exact wording a person sees for a purpose, in one language; a version never
    changes once it exists (a new wording is a new version)."""

    __tablename__ = "consent_texts"
    __table_args__ = (UniqueConstraint("purpose_id", "language", "version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    purpose_id: Mapped[int] = mapped_column(ForeignKey("consent_purposes.id", ondelete="RESTRICT"))
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class ConsentEvent(Base):
    """One entry of the consent ledger, append-only, hash-chained (`consent.rules`). The
    person's status for a purpose is their latest entry for it. `lead_id` points to the lead
    and is outside the hash (a merge moves events); erasure redacts the personal columns and
    keeps the hashes, so the chain still verifies."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_lead_id_purpose_seq", "lead_id", "purpose", "seq"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), unique=True)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(64))
    text_id: Mapped[int | None] = mapped_column(ForeignKey("consent_texts.id", ondelete="RESTRICT"))
    kind: Mapped[EventKind] = mapped_column(EnumValue(EventKind))
    method: Mapped[Method] = mapped_column(EnumValue(Method))
    method_ref: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    content_hash: Mapped[str] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OptInRequest(Base):
    """One double opt-in: the confirmation email sent for a purpose, waiting for the person to
    follow its link (signed, expiring, single use: `consent.rules.sign_token`)."""

    __tablename__ = "opt_in_requests"
    __table_args__ = (Index("ix_opt_in_requests_status_expires_at", "status", "expires_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(64))
    text_id: Mapped[int | None] = mapped_column(ForeignKey("consent_texts.id", ondelete="RESTRICT"))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_events.id", ondelete="SET NULL")
    )
    email: Mapped[str | None] = mapped_column(String(320))  # where the confirmation went
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[RequestStatus] = mapped_column(EnumValue(RequestStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # confirmed, expired, …


class Suppression(Base):
    """A person who was erased or who objected, kept only as a keyed hash of the normalised
    address or number (`consent.privacy.digest`): no import brings them back into marketing;
    a consent they give themselves does."""

    __tablename__ = "suppressions"
    __table_args__ = (UniqueConstraint("kind", "digest"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # email | phone
    digest: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))  # erased | objected
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Erasure(Base):
    """What analytics may still count of an erased person, without anything personal: when
    the lead came in, through which channel, how far it got."""

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    erased_by: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str] = mapped_column(String(32))
