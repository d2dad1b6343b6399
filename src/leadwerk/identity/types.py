"""Identity's statuses and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class PairStatus(StrEnum):
    OPEN = "open"  # waiting for a person to decide
    MERGED = "merged"
    NOT_DUPLICATE = "not_duplicate"  # remembered: the search never offers the pair again

    @property
    def label(self) -> str:
        return {
            "open": "Open",
            "merged": "Merged",
            "not_duplicate": "Not a duplicate",
        }[self.value]


class MergeReason(StrEnum):
    """Why two leads were merged."""

    MANUAL = "manual"  # a person named both leads
    REVIEW = "review"  # a person decided a pair of the review queue
    SEARCH = "search"  # the duplicate search, at or above the merge threshold
    INTAKE = "intake"  # an intake matched a lead at or above the merge threshold
    IMPORT = "import"  # an imported row did

    @property
    def label(self) -> str:
        return {
            "manual": "Merged by hand",
            "review": "Merged from the review queue",
            "search": "Merged by the duplicate search",
            "intake": "Merged at intake",
            "import": "Merged at import",
        }[self.value]


class SearchStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"running": "Running", "done": "Done", "failed": "Failed"}[self.value]


@dataclass(frozen=True, slots=True)
class SearchSummary:
    """What a duplicate search over the whole database found."""

    model_id: int | None
    leads: int
    candidate_pairs: int
    pairs: int  # at or above the review threshold and not decided before
    merged: int  # leads merged into another one (pairs at or above the merge threshold)
    open_pairs: int  # all open pairs after the search
    threshold: float
    seconds: dict[str, float] = field(default_factory=dict)
