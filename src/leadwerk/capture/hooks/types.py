"""Types of capture.hooks: hook kinds, delivery statuses, and what parsing a payload yields."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from leadwerk.capture.types import Intake


class HookKind(StrEnum):
    GOOGLE_ADS = "google_ads"
    META = "meta"
    GENERIC = "generic"

    @property
    def path(self) -> str:
        """The URL segment: /hooks/<path>/<token>."""
        return {
            HookKind.GOOGLE_ADS: "google-ads",
            HookKind.META: "meta",
            HookKind.GENERIC: "generic",
        }[self]


class DeliveryStatus(StrEnum):
    RECEIVED = "received"  # stored, not processed yet
    PROCESSED = "processed"
    FAILED = "failed"  # the dead-letter list


class PayloadError(Exception):
    """A stored payload cannot become a lead; the message is the delivery's error."""


@dataclass(frozen=True, slots=True)
class MetaLeadRef:
    """One `leadgen` change of a Meta notification: what names the lead to fetch."""

    leadgen_id: str
    page_id: str | None = None
    form_id: str | None = None
    ad_id: str | None = None
    adgroup_id: str | None = None
    created_time: int | None = None


@dataclass(frozen=True, slots=True)
class MetaLead:
    """A lead as the Graph API answers it: `field_data` as name → first value."""

    id: str
    created_time: str | None
    fields: dict[str, str]
    extra: dict[str, str] = field(default_factory=dict)  # ad_id, form_id, campaign_id, …


@dataclass(frozen=True, slots=True)
class Parsed:
    """A lead taken from a payload: its Intake and the platform's id for it (for dedupe)."""

    intake: Intake
    external_id: str | None
