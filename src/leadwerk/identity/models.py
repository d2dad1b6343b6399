"""Tables of identity: the match models the duplicate search learned, and the pairs of leads
it found, each waiting for a decision or decided."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.identity.types import PairStatus
from leadwerk.storage.base import Base, BigId, EnumValue, JSONDoc, UTCDateTime, utcnow


class MatchModel(Base):
    """One learned Fellegi–Sunter model (`identity.model.MatchModel.to_dict()`) with what it
    was learned from and the thresholds set when it was; the latest one scores intakes."""

    __tablename__ = "match_models"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    leads: Mapped[int] = mapped_column()
    candidate_pairs: Mapped[int] = mapped_column()
    prior: Mapped[float] = mapped_column(Float)
    converged: Mapped[bool] = mapped_column()
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    # the thresholds in force when it was learned; intake applies them with this model
    review_threshold: Mapped[float] = mapped_column(Float)
    merge_threshold: Mapped[float] = mapped_column(Float)


class DuplicatePair(Base):
    """Two leads that may be one person; `left_lead_id` < `right_lead_id`. `evidence` is the
    explanation per field (kind, level, both values, weight) as the search saw it."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (
        UniqueConstraint("left_lead_id", "right_lead_id"),
        Index("ix_duplicate_pairs_status_probability", "status", "probability"),
        Index("ix_duplicate_pairs_right_lead_id", "right_lead_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    left_lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    right_lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"))
    probability: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("match_models.id", ondelete="SET NULL"))
    status: Mapped[PairStatus] = mapped_column(EnumValue(PairStatus), default=PairStatus.OPEN)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(320))
