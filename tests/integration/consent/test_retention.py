"""Retention on both databases: each class goes after its period and not before, a dry run
reports without changing anything, a period of 0 keeps the class, and a person erased by
retention leaves what an erasure leaves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.consent import optin, retention, service
from leadwerk.consent.models import Erasure, OptInRequest
from leadwerk.consent.types import ConsentClaim, ConsentLinks
from leadwerk.delivery.models import DeliveryAttempt, OutboxMessage
from leadwerk.delivery.types import MessageStatus
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database
from tests.conftest import TEST_SECRET

LINKS = ConsentLinks("https://leads.example", TEST_SECRET)
POLICY = retention.RetentionPolicy(
    unconfirmed_days=30, inactive_lead_days=365, touchpoint_days=0, tracking_days=395, log_days=90
)


def _sign_up(db: Database, email: str) -> int:
    with db.transaction() as session:
        text = service.current_text(session, service.get_purpose(session, "newsletter"), "de")
        result, _ = capture.run_intake(
            session,
            Intake(email=email, consents=(ConsentClaim("newsletter", text_id=text.id),)),
            actor="t",
            links=LINKS,
        )
        return result.lead_id


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _classes(reports: list[retention.ClassReport]) -> dict[str, int]:
    return {r.data_class: r.count for r in reports}


def test_unconfirmed_sign_ups_go_after_their_period(db: Database) -> None:
    quiet = _sign_up(db, "quiet@example.de")
    busy = _sign_up(db, "busy@example.de")
    now = utcnow()
    with db.transaction() as session:  # both requests expire unconfirmed
        optin.remind_and_expire(session, LINKS, now=now + timedelta(hours=73))
        later = now + timedelta(days=10)  # one of them comes back later
        capture.run_intake(session, Intake(email="busy@example.de"), actor="t")
        session.execute(
            update(Touchpoint)
            .where(
                Touchpoint.lead_id == busy,
                Touchpoint.id
                == session.scalar(
                    select(func.max(Touchpoint.id)).where(Touchpoint.lead_id == busy)
                ),
            )
            .values(occurred_at=later)
        )
    too_early = now + timedelta(days=20)
    with db.transaction() as session:
        assert (
            _classes(retention.run(session, POLICY, secret=TEST_SECRET, now=too_early))[
                "unconfirmed_opt_ins"
            ]
            == 0
        )
    past = now + timedelta(days=35)
    with db.transaction() as session:
        dry = retention.run(session, POLICY, secret=TEST_SECRET, dry_run=True, now=past)
        assert _classes(dry)["unconfirmed_opt_ins"] == 1
    assert _count(db, Lead) == 2  # a dry run changes nothing
    with db.transaction() as session:
        done = retention.run(session, POLICY, secret=TEST_SECRET, now=past)
    assert _classes(done)["unconfirmed_opt_ins"] == 1
    with db.read() as session:
        assert session.get(Lead, quiet) is None
        assert session.get(Lead, busy) is not None
        assert session.scalars(select(Erasure.erased_by)).all() == ["retention"]
        assert session.scalars(select(OptInRequest.lead_id)).all() == [busy]
    assert service.verify(db)[0].intact


def test_inactive_leads_logs_and_kept_classes(db: Database) -> None:
    with db.transaction() as session:
        old, _ = capture.run_intake(session, Intake(email="old@example.de"), actor="t")
        fresh, _ = capture.run_intake(session, Intake(email="fresh@example.de"), actor="t")
        long_ago = utcnow() - timedelta(days=400)
        session.execute(
            update(Lead).where(Lead.id == old.lead_id).values(last_activity_at=long_ago)
        )
        message = OutboxMessage(
            kind="webhook",
            event_type="lead.created",
            idempotency_key="k-old",
            payload={},
            status=MessageStatus.DELIVERED,
            created_at=long_ago,
            next_attempt_at=long_ago,
        )
        session.add(message)
        session.flush()
        session.add(
            DeliveryAttempt(
                message_id=message.id,
                attempt=1,
                started_at=long_ago,
                duration_ms=3,
                worker="w",
                succeeded=True,
            )
        )
    with db.transaction() as session:
        done = _classes(retention.run(session, POLICY, secret=TEST_SECRET))
    assert done == {
        "unconfirmed_opt_ins": 0,
        "inactive_leads": 1,
        "touchpoints": 0,
        "tracking": 0,
        "logs": 2,  # the attempt and its message
    }
    with db.read() as session:
        assert session.get(Lead, old.lead_id) is None
        assert session.get(Lead, fresh.lead_id) is not None
    assert _count(db, Touchpoint) == 1  # touchpoints are kept (period 0)
