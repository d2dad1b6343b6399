"""Tables of identity: the match models the duplicate search learned, the pairs of leads it
found (waiting for a decision or decided), the searches run as jobs, the merges of two leads
(with everything needed to undo them) and the email aliases that lead to a lead."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.identity.types import MergeReason, PairStatus, SearchStatus
from leadwerk.storage.base import Base, BigId, EnumValue, JSONDoc, UTCDateTime, utcnow


class MatchModel(Base):
    """One learned Fellegi–Sunter model (`identity.model.MatchModel.to_dict()`) with what it
    was learned from, and the thresholds and source priority set when it was; the latest one
    scores (and merges) intakes."""

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
    # the survivorship source priority in force then; intake merges with it
    source_priority: Mapped[list[str]] = mapped_column(JSONDoc, default=list)


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


class DuplicateSearch(Base):
    """One run of the duplicate search over all leads, as a job the UI can follow: `step`
    and `heartbeat_at` move while it runs; the counts are filled when it is done."""

    __tablename__ = "duplicate_searches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    status: Mapped[SearchStatus] = mapped_column(EnumValue(SearchStatus), index=True)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    step: Mapped[str] = mapped_column(String(200), default="")
    auto_merge: Mapped[bool] = mapped_column(default=True)
    leads: Mapped[int | None] = mapped_column()
    pairs: Mapped[int | None] = mapped_column()  # new open pairs offered for review
    merged: Mapped[int | None] = mapped_column()  # leads merged automatically
    model_id: Mapped[int | None] = mapped_column(ForeignKey("match_models.id", ondelete="SET NULL"))
    error: Mapped[str | None] = mapped_column(Text)


class LeadMerge(Base):
    """One lead (`merged_id`, deleted by the merge) folded into another (`survivor_id`), with
    what undoing it needs: both rows as they were, each field's decision, the survivor's
    values the merge set, the ids of the rows it moved per `table.column`, and the merged
    lead's duplicate pairs. Neither id is a foreign key: the merged lead is gone, and the
    survivor may be merged on (undo then runs from the later merge back)."""

    __tablename__ = "lead_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(BigId, index=True)
    merged_id: Mapped[int] = mapped_column(BigId, index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[MergeReason] = mapped_column(EnumValue(MergeReason))
    probability: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    survivor_before: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    merged_before: Mapped[dict[str, Any]] = mapped_column(JSONDoc)
    survivor_after: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # only what the merge changed
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    moved: Mapped[dict[str, list[int]]] = mapped_column(JSONDoc, default=dict)
    # {"removed": the merged lead's pairs as rows, "carried": ids of pairs the merge made}
    pairs: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(64))


class EmailAlias(Base):
    """An email key that leads to a lead although the lead's own address is another one: the
    address of a lead merged into it (`merge_id`), or of an intake that matched it."""

    __tablename__ = "email_aliases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    merge_id: Mapped[int | None] = mapped_column(
        ForeignKey("lead_merges.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
