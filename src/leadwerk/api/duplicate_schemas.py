"""Request and response models of the duplicate review queue and of merges."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from leadwerk.api.schemas import ID_MAX, LeadOut
from leadwerk.identity.types import MergeReason, PairStatus


class EvidenceOut(BaseModel):
    """How one field of the pair compared and what it added to the match weight."""

    kind: str
    level: str
    left: str | None
    right: str | None
    weight: float


class PairOut(BaseModel):
    id: int
    probability: float
    status: PairStatus
    found_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    left: LeadOut = Field(description="The older lead of the two.")
    right: LeadOut
    evidence: list[EvidenceOut]


class PairPageOut(BaseModel):
    items: list[PairOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class PairMergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep: int | None = Field(
        default=None,
        ge=1,
        le=ID_MAX,
        description="The lead that stays, one of the pair's two; default the older one.",
    )


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep_lead_id: int = Field(ge=1, le=ID_MAX, description="The lead that stays.")
    other_lead_id: int = Field(
        ge=1, le=ID_MAX, description="The lead merged into it; it disappears."
    )


class DecisionOut(BaseModel):
    field: str = Field(description="A field (or group: email, phone, name, …) or attributes.KEY")
    kept: Any
    lost: Any
    kept_from: str = Field(description="survivor or merged")
    why: str


class MergeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    survivor_id: int
    merged_id: int
    merged_at: datetime
    merged_by: str
    reason: MergeReason
    probability: float | None
    decisions: list[DecisionOut]
    undone_at: datetime | None
    undone_by: str | None


class BulkDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pair_ids: list[Annotated[int, Field(ge=1, le=ID_MAX)]] = Field(min_length=1, max_length=200)
    decision: str = Field(pattern="^(merge|not_duplicate)$")


class BulkItemOut(BaseModel):
    pair_id: int
    ok: bool
    message: str
    merge_id: int | None


class BulkOut(BaseModel):
    items: list[BulkItemOut]
