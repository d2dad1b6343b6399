"""Tables of capture.hooks: the hooks (one URL and secret each) and every accepted delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.capture.hooks.types import DeliveryStatus, HookKind
from leadwerk.storage.base import Base, BigId, EnumValue, JSONDoc, UTCDateTime, utcnow


class InboundHook(Base):
    """A receiving URL `/hooks/<kind>/<token>`.

    `secret` is the Google Ads key, the Meta app secret, or the generic hook's signing secret;
    `verify_token` answers Meta's handshake; `access_token` is the Meta page token for the
    Graph API; `field_mapping` (generic only) maps Intake fields to JSON paths."""

    __tablename__ = "inbound_hooks"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[HookKind] = mapped_column(EnumValue(HookKind))
    name: Mapped[str] = mapped_column(String(100))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[str] = mapped_column(String(200))
    verify_token: Mapped[str | None] = mapped_column(String(200))
    access_token: Mapped[str | None] = mapped_column(Text)
    field_mapping: Mapped[dict[str, str]] = mapped_column(JSONDoc, default=dict)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(64))


class InboundDelivery(Base):
    """One lead a platform handed us, stored (and committed) before it is processed; the
    failed ones are the dead-letter list. (hook, external_id) is unique: a platform's retry
    of the same lead finds the row and changes nothing."""

    __tablename__ = "inbound_deliveries"
    __table_args__ = (
        UniqueConstraint("hook_id", "external_id"),
        Index("ix_inbound_deliveries_status_received_at", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    hook_id: Mapped[int] = mapped_column(ForeignKey("inbound_hooks.id", ondelete="CASCADE"))
    external_id: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        EnumValue(DeliveryStatus), default=DeliveryStatus.RECEIVED
    )
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("leads.id", ondelete="SET NULL"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
