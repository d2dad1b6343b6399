"""Identity's statuses and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PairStatus(StrEnum):
    OPEN = "open"  # waiting for a person to decide
    MERGED = "merged"
    NOT_DUPLICATE = "not_duplicate"  # remembered: the search never offers the pair again


@dataclass(frozen=True, slots=True)
class SearchSummary:
    """What a duplicate search over the whole database found."""

    model_id: int | None
    leads: int
    candidate_pairs: int
    pairs: int  # at or above the review threshold and not decided before
    open_pairs: int  # all open pairs after the search
    threshold: float
    seconds: dict[str, float] = field(default_factory=dict)
