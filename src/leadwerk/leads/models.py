"""Tables of the lead core."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.leads.types import (
    Channel,
    EmailStatus,
    JobFunction,
    PhoneStatus,
    Seniority,
    Stage,
    Temperature,
    TouchpointType,
)
from leadwerk.storage.base import (
    Base,
    BigId,
    EnumValue,
    JSONDoc,
    UTCDateTime,
    index_where_set,
    utcnow,
)


class Account(Base):
    """A company leads work for."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))
    employees: Mapped[int | None]
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(200), unique=True)  # normalised utm_campaign
    channel: Mapped[Channel] = mapped_column(EnumValue(Channel))
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignSpend(Base):
    __tablename__ = "campaign_spend"
    __table_args__ = (UniqueConstraint("campaign_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    impressions: Mapped[int | None]
    clicks: Mapped[int | None]


class Lead(Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_owner_id_id", "owner_id", "id"),
        Index("ix_leads_stage_id", "stage", "id"),
        Index("ix_leads_channel_id", "channel", "id"),
        Index("ix_leads_created_at", "created_at"),
        # The match keys with the id: intake takes the newest (or oldest) few leads of a key,
        # and a common key (a frequent surname's sound) has thousands; with the id in the
        # index that is a short index scan instead of fetching them all to sort (14 ms → 0.2
        # ms), and no plan can walk the primary key instead, looking for a key that no lead
        # has (400 ms on a million leads whose statistics lagged behind a bulk load).
        Index("ix_leads_email_key_id", "email_key", "id"),
        Index("ix_leads_phone_key_id", "phone_key", "id"),
        Index("ix_leads_name_key_id", "name_key", "id"),
        Index("ix_leads_sound_key_id", "sound_key", "id"),
        # Optional links, looked up by a value: only the leads that have one (migration 0018).
        index_where_set("ix_leads_account_id", "account_id"),
        index_where_set("ix_leads_team_id", "team_id"),
        # An id once given is never given again, also after the lead was merged away (so an
        # undo can bring it back under its own id): SQLite reuses the largest rowid otherwise.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # identity, as given (normalised for display)
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    company: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(8))
    # normalised match keys
    email_key: Mapped[str | None] = mapped_column(String(320))
    phone_key: Mapped[str | None] = mapped_column(String(32))
    name_key: Mapped[str | None] = mapped_column(String(200))
    # given-name initial (of its full form) and surname sound: identity.rules.sound_key
    sound_key: Mapped[str | None] = mapped_column(String(64))
    company_key: Mapped[str | None] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    search_text: Mapped[str] = mapped_column(Text, default="")
    # quality flags, set by intake (capture.quality)
    email_status: Mapped[EmailStatus | None] = mapped_column(EnumValue(EmailStatus))
    phone_status: Mapped[PhoneStatus | None] = mapped_column(EnumValue(PhoneStatus))
    seniority: Mapped[Seniority | None] = mapped_column(EnumValue(Seniority))
    job_function: Mapped[JobFunction | None] = mapped_column(EnumValue(JobFunction))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id", ondelete="SET NULL"))
    # where it came from (first touch)
    source: Mapped[str | None] = mapped_column(String(100))
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    utm_term: Mapped[str | None] = mapped_column(String(200))
    utm_content: Mapped[str | None] = mapped_column(String(200))
    channel: Mapped[Channel] = mapped_column(EnumValue(Channel), default=Channel.OTHER)
    # qualification
    stage: Mapped[Stage] = mapped_column(EnumValue(Stage), default=Stage.LEAD)
    temperature: Mapped[Temperature] = mapped_column(
        EnumValue(Temperature), default=Temperature.COLD
    )
    fit_score: Mapped[int] = mapped_column(default=0)
    engagement_score: Mapped[int] = mapped_column(default=0)
    score: Mapped[int] = mapped_column(default=0)
    grade: Mapped[str | None] = mapped_column(String(1))
    # ownership
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # data subject rights (consent.privacy): processing restricted (Art. 18 GDPR), objection
    # to profiling (Art. 21); either stops scoring and automation for the person
    restricted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    profiling_objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Touchpoint(Base):
    """One interaction of a lead with us: a form, a page view, a call, an import row."""

    __tablename__ = "touchpoints"
    __table_args__ = (
        Index("ix_touchpoints_lead_id_occurred_at", "lead_id", "occurred_at"),
        index_where_set("ix_touchpoints_campaign_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    type: Mapped[TouchpointType] = mapped_column(EnumValue(TouchpointType))
    channel: Mapped[Channel] = mapped_column(EnumValue(Channel))
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(String(100))
    utm_source: Mapped[str | None] = mapped_column(String(200))
    utm_medium: Mapped[str | None] = mapped_column(String(200))
    utm_campaign: Mapped[str | None] = mapped_column(String(200))
    utm_term: Mapped[str | None] = mapped_column(String(200))
    utm_content: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    properties: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # the address it came with (canonical key), so undoing a merge knows whose it is
    email_key: Mapped[str | None] = mapped_column(String(320))


class StageChange(Base):
    """Stage history: every lifecycle move with its reason."""

    __tablename__ = "stage_history"
    __table_args__ = (Index("ix_stage_history_lead_id_changed_at", "lead_id", "changed_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    from_stage: Mapped[Stage | None] = mapped_column(EnumValue(Stage))
    to_stage: Mapped[Stage] = mapped_column(EnumValue(Stage))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(400))
