"""Read models of forms: the list with its counters, a form's days and recent submissions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadwerk.capture.forms.models import Form, FormStatsDaily, FormSubmission
from leadwerk.capture.forms.types import DailyStats, FormStats


def list_forms(session: Session) -> list[FormStats]:
    """Every form with its totals, newest first: one query (sums joined per form)."""
    totals = (
        select(
            FormStatsDaily.form_id,
            func.sum(FormStatsDaily.views).label("views"),
            func.sum(FormStatsDaily.submissions).label("submissions"),
            func.sum(FormStatsDaily.rejected).label("rejected"),
        )
        .group_by(FormStatsDaily.form_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Form.id,
            Form.slug,
            Form.name,
            Form.is_active,
            Form.version,
            totals.c.views,
            totals.c.submissions,
            totals.c.rejected,
        )
        .outerjoin(totals, totals.c.form_id == Form.id)
        .order_by(Form.id.desc())
    )
    return [
        FormStats(
            form_id=r.id,
            slug=r.slug,
            name=r.name,
            is_active=r.is_active,
            version=r.version,
            views=int(r.views or 0),
            submissions=int(r.submissions or 0),
            rejected=int(r.rejected or 0),
        )
        for r in rows
    ]


def form_stats(session: Session, form_id: int) -> FormStats | None:
    return next((s for s in list_forms(session) if s.form_id == form_id), None)


def daily_stats(session: Session, form_id: int, since: date) -> list[DailyStats]:
    """The counters of each day since `since`, newest first (the shards of a day summed)."""
    rows = session.execute(
        select(
            FormStatsDaily.day,
            func.sum(FormStatsDaily.views),
            func.sum(FormStatsDaily.submissions),
            func.sum(FormStatsDaily.rejected),
        )
        .where(FormStatsDaily.form_id == form_id, FormStatsDaily.day >= since)
        .group_by(FormStatsDaily.day)
        .order_by(FormStatsDaily.day.desc())
    )
    return [
        DailyStats(day=day.isoformat(), views=int(v), submissions=int(s), rejected=int(r))
        for day, v, s, r in rows
    ]


def recent_submissions(session: Session, form_id: int, limit: int = 50) -> list[FormSubmission]:
    return list(
        session.execute(
            select(FormSubmission)
            .where(FormSubmission.form_id == form_id)
            .order_by(FormSubmission.id.desc())
            .limit(limit)
        ).scalars()
    )
