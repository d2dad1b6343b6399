"""The rows demo generation produces, one type per table. Field names are the column names, in
the order bulk loading writes them; times are timezone-aware UTC, JSON columns are dicts."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple


class CampaignRow(NamedTuple):
    key: str
    name: str
    channel: str
    utm_source: str | None
    utm_medium: str | None
    starts_on: date | None
    ends_on: date | None
    created_at: datetime


class SpendRow(NamedTuple):
    campaign_key: str
    day: date
    amount: Decimal
    currency: str
    impressions: int | None
    clicks: int | None


class AccountRow(NamedTuple):
    id: int
    name: str
    name_key: str | None
    domain: str
    industry: str
    employees: int
    country: str
    created_at: datetime
    updated_at: datetime


class LeadRow(NamedTuple):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str | None
    company: str | None
    job_title: str | None
    country: str
    language: str
    email_key: str | None
    phone_key: str | None
    name_key: str | None
    sound_key: str | None
    company_key: str | None
    domain: str | None
    search_text: str
    email_status: str
    phone_status: str | None
    seniority: str | None
    job_function: str | None
    account_id: int | None
    source: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    channel: str
    stage: str
    temperature: str
    fit_score: int
    engagement_score: int
    score: int
    grade: str
    owner_id: int | None
    team_id: int | None
    attributes: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime


class TouchpointRow(NamedTuple):
    lead_id: int
    type: str
    channel: str
    campaign_id: int | None
    source: str | None
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    utm_term: str | None
    utm_content: str | None
    url: str | None
    occurred_at: datetime
    properties: dict[str, Any]


class StageChangeRow(NamedTuple):
    lead_id: int
    from_stage: str | None
    to_stage: str
    changed_at: datetime
    actor: str
    reason: str | None


class Batch(NamedTuple):
    """One loading batch: new accounts first (leads refer to them), then leads and their rows."""

    accounts: list[AccountRow]
    leads: list[LeadRow]
    touchpoints: list[TouchpointRow]
    stage_changes: list[StageChangeRow]
