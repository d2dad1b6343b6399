"""The one typed input every channel produces, and what the pipeline answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from leadwerk.consent.types import ConsentClaim
from leadwerk.leads.types import (
    Channel,
    EmailStatus,
    JobFunction,
    PhoneStatus,
    Seniority,
    TouchpointType,
)


@dataclass(frozen=True, slots=True)
class Intake:
    """A lead as a channel hands it in, before normalisation."""

    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    company: str | None = None
    job_title: str | None = None
    country: str | None = None
    language: str | None = None
    source: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    referrer: str | None = None
    url: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    consents: tuple[ConsentClaim, ...] = ()
    touchpoint_type: TouchpointType = TouchpointType.API
    occurred_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NormalisedLead:
    """Clean values and match keys, ready to store."""

    email: str | None
    email_key: str | None
    first_name: str | None
    last_name: str | None
    name_key: str | None
    sound_key: str | None
    phone: str | None
    company: str | None
    company_key: str | None
    domain: str | None
    job_title: str | None
    country: str | None
    language: str | None
    source: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    channel: Channel
    attributes: dict[str, Any]
    # quality flags (capture.quality.rules)
    email_status: EmailStatus | None
    phone_status: PhoneStatus | None
    seniority: Seniority | None
    job_function: JobFunction | None


@dataclass(frozen=True, slots=True)
class IntakeResult:
    lead_id: int
    created: bool
