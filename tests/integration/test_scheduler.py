"""The scheduler: due jobs run in a transaction of their own, a job held by another process
is skipped that round, a failing job does not stop the others."""

from __future__ import annotations

import zlib
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.consent import service
from leadwerk.consent.models import OptInRequest
from leadwerk.consent.types import ConsentClaim
from leadwerk.container import Container
from leadwerk.delivery.models import OutboxMessage
from leadwerk.scheduler import Job, Scheduler, build_scheduler
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database, make_engine


def test_consent_housekeeping_sends_the_reminder(db: Database, settings: Settings) -> None:
    container = Container.build(settings, db)
    with db.transaction() as session:
        text_ = service.current_text(session, service.get_purpose(session, "newsletter"), "de")
        capture.run_intake(
            session,
            Intake(email="a@example.de", consents=(ConsentClaim("newsletter", text_id=text_.id),)),
            actor="t",
            links=container.consent_links,
        )
        request = session.scalars(select(OptInRequest)).one()
        request.created_at -= timedelta(hours=25)
    scheduler = build_scheduler(container)
    assert scheduler.run_due() == {
        "consent.housekeeping": "1 double opt-in reminders sent, 0 requests expired",
        "retention": "unconfirmed_opt_ins 0, tracking 0, logs 0",
    }
    assert scheduler.run_due() == {}  # not due again for five minutes
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_a_failing_job_does_not_stop_the_others(db: Database) -> None:
    def broken(_session: Session) -> str:
        raise RuntimeError("boom")

    scheduler = Scheduler(db, [Job("broken", 60, broken), Job("fine", 60, lambda _s: "ok")])
    assert scheduler.run_due() == {"broken": "failed", "fine": "ok"}


def test_a_job_running_elsewhere_is_skipped(fresh_database_url: str) -> None:
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("SQLite's writers run one at a time: there is no lock to find taken")
    db = Database.from_engine(make_engine(fresh_database_url, pool_size=2))
    other = make_engine(fresh_database_url, pool_size=1)
    try:
        key = zlib.crc32(b"solo") & 0x7FFFFFFF
        with other.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(4202, :k)"), {"k": key})
            scheduler = Scheduler(db, [Job("solo", 60, lambda _s: "ran")])
            assert scheduler.run_due() == {"solo": "skipped: running in another process"}
            holder.execute(text("SELECT pg_advisory_unlock(4202, :k)"), {"k": key})
        assert scheduler.run_due(force=True) == {"solo": "ran"}
    finally:
        other.dispose()
        db.dispose()
