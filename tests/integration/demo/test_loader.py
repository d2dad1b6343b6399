"""Loading demo data into a real database (SQLite and PostgreSQL, each a fresh one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select, text

from leadwerk.api.schemas import LeadOut
from leadwerk.auth import service as auth
from leadwerk.auth.models import AuditEntry, Team, User
from leadwerk.auth.rules import LeadVisibility
from leadwerk.auth.types import Role
from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.demo import data
from leadwerk.demo.generator import DemoGenerator, DemoSpec
from leadwerk.demo.loader import (
    NO_LOGIN,
    DemoSummary,
    ensure_demo_admin,
    has_leads,
    load_demo,
    staff_email,
)
from leadwerk.errors import AuthenticationFailed, Conflict, ValidationFailed
from leadwerk.leads import service as leads_service
from leadwerk.leads.models import (
    Account,
    Campaign,
    CampaignSpend,
    Lead,
    StageChange,
    Touchpoint,
)
from leadwerk.leads.queries import LeadFilter, list_leads
from leadwerk.leads.types import Stage
from leadwerk.storage.engine import Database

TODAY = date(2025, 6, 1)
LEADS = 500


@pytest.fixture
def demo_db(fresh_database_url: str) -> Iterator[Database]:
    db = Database.from_url(fresh_database_url, pool_size=2)
    yield db
    db.dispose()


def _load(db: Database, seed: int = 1, **kwargs: Any) -> DemoSummary:
    return load_demo(db, leads=LEADS, seed=seed, today=TODAY, batch_size=200, **kwargs)


def _count(db: Database, model: type) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_row_counts_are_what_the_summary_says(demo_db: Database) -> None:
    assert not has_leads(demo_db)
    calls: list[tuple[int, int]] = []
    summary = _load(demo_db, progress=lambda done, total: calls.append((done, total)))
    assert has_leads(demo_db)
    assert calls == [(200, LEADS), (400, LEADS), (500, LEADS)]
    assert summary.leads == _count(demo_db, Lead) == LEADS
    assert summary.accounts == _count(demo_db, Account)
    assert summary.touchpoints == _count(demo_db, Touchpoint)
    assert summary.stage_changes == _count(demo_db, StageChange)
    assert summary.campaigns == _count(demo_db, Campaign) == 53
    assert summary.campaign_spend == _count(demo_db, CampaignSpend)
    assert summary.teams == _count(demo_db, Team) == 3
    assert summary.users == _count(demo_db, User) == len(data.STAFF)
    assert (summary.period_start, summary.period_end) == (date(2023, 12, 1), TODAY)
    assert summary.seconds > 0
    assert summary.leads_per_second == pytest.approx(LEADS / summary.seconds)
    with demo_db.read() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "demo.loaded"))
        assert entry is not None
        assert entry.details["leads"] == LEADS
        assert entry.details["touchpoints"] == summary.touchpoints


def test_rows_are_the_generators_rows(demo_db: Database) -> None:
    _load(demo_db)
    generator = DemoGenerator(DemoSpec(seed=1, leads=LEADS, today=TODAY))
    expected = [
        lead
        for batch in generator.batches(generator.synthetic_references())
        for lead in batch.leads
    ]
    with demo_db.read() as session:
        stored = list(session.scalars(select(Lead).order_by(Lead.id)))
        for row, lead in zip(expected, stored, strict=True):
            assert lead.id == row.id
            assert (lead.email, lead.first_name, lead.last_name, lead.phone) == (
                row.email, row.first_name, row.last_name, row.phone,
            )  # fmt: skip
            assert lead.created_at == row.created_at
            assert lead.last_activity_at == row.last_activity_at
            assert lead.stage == Stage(row.stage)
            assert lead.attributes == row.attributes
            assert lead.search_text == row.search_text


def test_foreign_keys_and_ownership_hold(demo_db: Database) -> None:
    _load(demo_db)
    with demo_db.read() as session:
        orphans = {
            "touchpoint lead": "SELECT count(*) FROM touchpoints t LEFT JOIN leads l "
            "ON l.id = t.lead_id WHERE l.id IS NULL",
            "touchpoint campaign": "SELECT count(*) FROM touchpoints t LEFT JOIN campaigns c "
            "ON c.id = t.campaign_id WHERE t.campaign_id IS NOT NULL AND c.id IS NULL",
            "stage lead": "SELECT count(*) FROM stage_history s LEFT JOIN leads l "
            "ON l.id = s.lead_id WHERE l.id IS NULL",
            "lead account": "SELECT count(*) FROM leads l LEFT JOIN accounts a "
            "ON a.id = l.account_id WHERE l.account_id IS NOT NULL AND a.id IS NULL",
            "owner": "SELECT count(*) FROM leads l LEFT JOIN users u ON u.id = l.owner_id "
            "WHERE l.owner_id IS NOT NULL AND (u.id IS NULL OR u.role <> 'sales' "
            "OR u.team_id <> l.team_id)",
            "owner without sql": "SELECT count(*) FROM leads l WHERE (l.owner_id IS NOT NULL) "
            "<> EXISTS (SELECT 1 FROM stage_history s WHERE s.lead_id = l.id "
            "AND s.to_stage = 'sql')",
            "stage not last": "SELECT count(*) FROM leads l WHERE l.stage <> (SELECT s.to_stage "
            "FROM stage_history s WHERE s.lead_id = l.id ORDER BY s.changed_at DESC LIMIT 1)",
            "account not at first lead": "SELECT count(*) FROM accounts a WHERE a.created_at <> "
            "(SELECT min(l.created_at) FROM leads l WHERE l.account_id = a.id)",
        }
        for name, sql in orphans.items():
            assert session.execute(text(sql)).scalar_one() == 0, name
        owned = session.scalar(select(func.count()).where(Lead.owner_id.is_not(None)))
        assert owned is not None
        assert owned > 10


def test_leads_are_listed_and_shaped_like_the_api_shows_them(demo_db: Database) -> None:
    _load(demo_db)
    everyone = LeadVisibility(everything=True)
    with demo_db.read() as session:
        page = list_leads(session, LeadFilter(limit=50), everyone)
        assert [lead.id for lead in page.items] == list(range(LEADS, LEADS - 50, -1))
        for lead in page.items:
            out = LeadOut.model_validate(lead)
            assert out.email == lead.email
            assert leads_service.timeline(session, lead.id)
        since = datetime(2025, 1, 1, tzinfo=UTC)
        expected = session.scalar(select(func.count()).where(Lead.created_at >= since))
        total = 0
        spec = LeadFilter(created_from=since, limit=200)
        while True:
            page = list_leads(session, spec, everyone)
            total += len(page.items)
            assert all(lead.created_at >= since for lead in page.items)
            if page.next_cursor is None:
                break
            spec = spec.with_cursor(page.next_cursor)
        assert total == expected
        assert 0 < total < LEADS
        umlaut = list_leads(session, LeadFilter(q="ü", limit=200), everyone).items
        assert umlaut
        assert all("ue" in lead.search_text for lead in umlaut)


def test_sqlite_stores_times_as_the_orm_does(demo_db: Database) -> None:
    if demo_db.dialect != "sqlite":
        pytest.skip("a SQLite storage format")
    _load(demo_db)
    pattern = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
    with demo_db.read() as session:
        for sql in (
            "SELECT created_at FROM leads",
            "SELECT occurred_at FROM touchpoints",
            "SELECT changed_at FROM stage_history",
            "SELECT created_at FROM users",
        ):
            values = session.execute(text(sql)).scalars().all()
            assert all(pattern.fullmatch(v) for v in values), sql


def test_a_second_seed_adds_and_the_same_seed_is_refused(demo_db: Database) -> None:
    first = _load(demo_db, seed=1)
    second = _load(demo_db, seed=2)
    assert (second.teams, second.users, second.campaigns, second.campaign_spend) == (0, 0, 0, 0)
    assert _count(demo_db, Lead) == 2 * LEADS
    assert _count(demo_db, Account) == first.accounts + second.accounts
    assert _count(demo_db, Touchpoint) == first.touchpoints + second.touchpoints
    with demo_db.read() as session:
        ids = list(session.scalars(select(Lead.id).order_by(Lead.id)))
    assert ids == list(range(1, 2 * LEADS + 1))
    with pytest.raises(Conflict, match="seed 2 is loaded already"):
        _load(demo_db, seed=2)
    assert _count(demo_db, Lead) == 2 * LEADS


def test_a_later_period_adds_its_new_campaigns_and_spend_days(demo_db: Database) -> None:
    _load(demo_db, seed=1)
    later = load_demo(demo_db, leads=50, seed=3, today=date(2025, 8, 1))
    assert later.campaigns == 4  # newsletters of June and July, two campaigns of Q3/2025
    with demo_db.read() as session:
        days = session.scalar(
            select(func.count())
            .select_from(CampaignSpend)
            .join(Campaign)
            .where(Campaign.key == "g_search_generic_dach")
        )
    assert days == (date(2025, 8, 1) - date(2023, 12, 1)).days


def test_intake_after_a_load_gets_new_ids(demo_db: Database) -> None:
    summary = _load(demo_db)
    with demo_db.transaction() as session:
        result, _ = capture.run_intake(
            session, Intake(email="neu@example.org", first_name="Jörg"), actor="test"
        )
        account = Account(name="Neu GmbH", created_at=datetime.now(UTC))
        session.add(account)
        session.flush()
        account_id = account.id
    assert result.lead_id == LEADS + 1
    assert account_id > summary.accounts
    with demo_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Touchpoint)) == (
            summary.touchpoints + 1
        )


def test_demo_admin_is_created_once_and_can_log_in(demo_db: Database) -> None:
    email, password = "admin@demo.leadwerk.test", "leadwerk-demo-password"
    first = ensure_demo_admin(demo_db, email, password)
    assert ensure_demo_admin(demo_db, email, "another-password-123") == first
    with demo_db.transaction() as session:
        user = auth.authenticate(session, email, password)
        assert (user.id, user.role) == (first, Role.ADMIN)
    assert _count(demo_db, User) == 1


def test_staff_log_in_only_with_a_staff_password(demo_db: Database) -> None:
    _load(demo_db)
    rep = staff_email("Jana", "Petersen")
    with demo_db.transaction() as session:
        user = session.scalar(select(User).where(User.email == rep))
        assert user is not None
        assert user.password_hash == NO_LOGIN
        assert user.role is Role.SALES
        with pytest.raises(AuthenticationFailed):
            auth.authenticate(session, rep, NO_LOGIN)


def test_staff_password_is_used_when_given(demo_db: Database) -> None:
    _load(demo_db, staff_password="staff-password-123")
    with demo_db.transaction() as session:
        user = auth.authenticate(session, staff_email("Amélie", "Dubois"), "staff-password-123")
        assert user.role is Role.MARKETING
        assert user.email == "amelie.dubois@demo.leadwerk.test"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"leads": -1}, "leads"),
        ({"leads": 5, "batch_size": 0}, "batch_size"),
        ({"leads": 5, "months": 0}, "months"),
        ({"leads": 5, "staff_password": "short"}, "staff_password"),
    ],
)
def test_invalid_settings_are_refused(
    demo_db: Database, kwargs: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        load_demo(demo_db, today=TODAY, **kwargs)
    assert list(caught.value.errors) == [field]
    assert _count(demo_db, Lead) == 0


def test_other_leads_with_a_demo_seed_attribute_do_not_disturb(demo_db: Database) -> None:
    with demo_db.transaction() as session:
        capture.run_intake(
            session,
            Intake(email="api@example.org", attributes={"demo_seed": "not a number"}),
            actor="test",
        )
    summary = _load(demo_db)
    assert _count(demo_db, Lead) == summary.leads + 1
