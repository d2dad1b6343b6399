"""Retention: how long each class of data is kept (`LEADWERK_RETENTION_*`), applied by the
scheduler once a day and by `leadwerk retention run` (with `--dry-run`, a report of what would
go). A period of 0 keeps that class.

- unconfirmed opt-ins: a person whose double opt-in expired unconfirmed, if nothing else
  happened since (no consent in force, no owner, no stage past lead, no later touchpoint), is
  erased;
- inactive leads: a lead without activity, consent in force, owner or stage past lead is
  erased;
- touchpoints: older touchpoints go (the lead stays);
- tracking: older tracking events go, and visitors left without events and without a lead;
- logs: the delivery log, delivered and dropped outbox messages, stored API answers and
  rejected form submissions go.

Erasure goes through `privacy.erase`, so what it leaves (an anonymous row, the suppression
hashes, redacted ledger entries) is the same as for a person's own request. Each run erases at
most `MAX_ERASURES` people per class and says so when more are due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    TableClause,
    and_,
    column,
    delete,
    exists,
    func,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from leadwerk.consent import privacy, service
from leadwerk.consent.models import OptInRequest
from leadwerk.consent.types import ConsentStatus, RequestStatus
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import Stage
from leadwerk.storage.base import utcnow

if TYPE_CHECKING:
    from leadwerk.settings import Settings

ACTOR = "retention"
MAX_ERASURES = 5000
_EARLY_STAGES = (Stage.SUBSCRIBER, Stage.LEAD, Stage.RECYCLED, Stage.DISQUALIFIED)


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    unconfirmed_days: int = 30
    inactive_lead_days: int = 0
    touchpoint_days: int = 0
    tracking_days: int = 395
    log_days: int = 90

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            unconfirmed_days=settings.retention_unconfirmed_days,
            inactive_lead_days=settings.retention_inactive_lead_days,
            touchpoint_days=settings.retention_touchpoint_days,
            tracking_days=settings.retention_tracking_days,
            log_days=settings.retention_log_days,
        )


@dataclass(frozen=True, slots=True)
class ClassReport:
    data_class: str
    days: int  # 0: kept
    count: int  # removed (or, in a dry run, that would be)
    more: bool = False  # more were due than one run erases


def _in_force(session: Session, lead_id: int) -> bool:
    return any(
        s.status in (ConsentStatus.GRANTED, ConsentStatus.PENDING)
        for s in service.statuses(session, lead_id).values()
    )


def _unconfirmed(session: Session, cutoff: datetime) -> list[int]:
    """People whose only story is an unconfirmed double opt-in that expired before `cutoff`."""
    found: list[int] = []
    requests = session.execute(
        select(OptInRequest.lead_id, func.max(OptInRequest.created_at))
        .where(
            OptInRequest.status == RequestStatus.EXPIRED,
            OptInRequest.closed_at < cutoff,
            OptInRequest.lead_id.is_not(None),
        )
        .group_by(OptInRequest.lead_id)
        .order_by(OptInRequest.lead_id)
    ).all()
    for lead_id, requested_at in requests:
        lead = session.get(Lead, lead_id) if lead_id is not None else None
        if lead is None or lead.owner_id is not None or lead.stage not in _EARLY_STAGES:
            continue
        later = session.scalar(
            select(func.count())
            .select_from(Touchpoint)
            .where(Touchpoint.lead_id == lead_id, Touchpoint.occurred_at > requested_at)
        )
        if not later and not _in_force(session, lead.id):
            found.append(lead.id)
        if len(found) > MAX_ERASURES:
            break
    return found


def _inactive(session: Session, cutoff: datetime) -> list[int]:
    candidates = session.scalars(
        select(Lead.id)
        .where(
            func.coalesce(Lead.last_activity_at, Lead.created_at) < cutoff,
            Lead.owner_id.is_(None),
            Lead.stage.in_(_EARLY_STAGES),
        )
        .order_by(Lead.id)
        .limit(MAX_ERASURES * 2)
    ).all()
    found = [lead_id for lead_id in candidates if not _in_force(session, lead_id)]
    return found[: MAX_ERASURES + 1]


def _erase(session: Session, ids: list[int], *, dry_run: bool, secret: str) -> tuple[int, bool]:
    chosen, more = ids[:MAX_ERASURES], len(ids) > MAX_ERASURES
    if not dry_run:
        for lead_id in chosen:
            privacy.erase(session, lead_id, actor=ACTOR, secret=secret)
    return len(chosen), more


def _delete(
    session: Session, rows: TableClause, condition: ColumnElement[bool], *, dry_run: bool
) -> int:
    if dry_run:
        return int(session.scalar(select(func.count()).select_from(rows).where(condition)) or 0)
    return int(session.connection().execute(delete(rows).where(condition)).rowcount or 0)


def run(
    session: Session,
    policy: RetentionPolicy,
    *,
    secret: str,
    dry_run: bool = False,
    now: datetime | None = None,
) -> list[ClassReport]:
    """Apply every retention period once, inside the caller's transaction."""
    now = now or utcnow()
    reports: list[ClassReport] = []

    def period(name: str, days: int, work: Callable[[datetime], tuple[int, bool]]) -> None:
        if days <= 0:
            reports.append(ClassReport(name, 0, 0))
            return
        count, more = work(now - timedelta(days=days))
        reports.append(ClassReport(name, days, count, more))

    period(
        "unconfirmed_opt_ins",
        policy.unconfirmed_days,
        lambda cutoff: _erase(
            session, _unconfirmed(session, cutoff), dry_run=dry_run, secret=secret
        ),
    )
    period(
        "inactive_leads",
        policy.inactive_lead_days,
        lambda cutoff: _erase(session, _inactive(session, cutoff), dry_run=dry_run, secret=secret),
    )
    touchpoints = table("touchpoints", column("occurred_at"))
    period(
        "touchpoints",
        policy.touchpoint_days,
        lambda cutoff: (
            _delete(session, touchpoints, touchpoints.c.occurred_at < cutoff, dry_run=dry_run),
            False,
        ),
    )
    period(
        "tracking",
        policy.tracking_days,
        lambda cutoff: (_tracking(session, cutoff, dry_run), False),
    )
    period("logs", policy.log_days, lambda cutoff: (_logs(session, cutoff, dry_run), False))
    return reports


def _tracking(session: Session, cutoff: datetime, dry_run: bool) -> int:
    events = table("tracking_events", column("received_at"), column("visitor_id"))
    visitors = table("visitors", column("id"), column("lead_id"), column("last_seen_at"))
    removed = _delete(session, events, events.c.received_at < cutoff, dry_run=dry_run)
    lonely = and_(
        visitors.c.lead_id.is_(None),
        visitors.c.last_seen_at < cutoff,
        ~exists().where(events.c.visitor_id == visitors.c.id),
    )
    return removed + _delete(session, visitors, lonely, dry_run=dry_run)


def _logs(session: Session, cutoff: datetime, dry_run: bool) -> int:
    attempts = table("delivery_attempts", column("started_at"))
    outbox = table("outbox", column("created_at"), column("status"))
    answers = table("idempotency_keys", column("created_at"))
    submissions = table("form_submissions", column("created_at"), column("status"))
    return (
        _delete(session, attempts, attempts.c.started_at < cutoff, dry_run=dry_run)
        + _delete(
            session,
            outbox,
            and_(
                outbox.c.created_at < cutoff,
                or_(outbox.c.status == "delivered", outbox.c.status == "dropped"),
            ),
            dry_run=dry_run,
        )
        + _delete(session, answers, answers.c.created_at < cutoff, dry_run=dry_run)
        + _delete(
            session,
            submissions,
            and_(submissions.c.created_at < cutoff, submissions.c.status == "rejected"),
            dry_run=dry_run,
        )
    )
