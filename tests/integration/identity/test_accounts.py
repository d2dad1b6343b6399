"""Accounts at intake (domain or exact name) and in bulk (`match_accounts`)."""

from __future__ import annotations

from sqlalchemy import select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.identity.accounts import match_accounts
from leadwerk.leads.models import Account, Lead
from leadwerk.storage.engine import Database


def _accounts(db: Database) -> dict[str, int]:
    with db.transaction() as session:
        made = [
            Account(
                name="Müller Bau GmbH",
                name_key="mueller bau",
                domain="mueller-bau.de",
                country="DE",
            ),
            Account(
                name="Nord Consulting Hamburg", name_key="nord consulting hamburg", country="DE"
            ),
        ]
        session.add_all(made)
        session.flush()
        return {a.name_key or "": a.id for a in made}


def _lead(db: Database, **fields: str) -> int:
    with db.transaction() as session:
        _, lead = capture.run_intake(session, Intake(**fields), actor="test")
        return lead.id


def _account_of(db: Database, lead_id: int) -> int | None:
    with db.read() as session:
        return session.scalar(select(Lead.account_id).where(Lead.id == lead_id))


def test_intake_finds_the_account_by_domain_or_exact_name(db: Database) -> None:
    ids = _accounts(db)
    by_domain = _lead(db, email="anna@vertrieb.mueller-bau.de")
    by_name = _lead(db, email="paul@gmail.com", company="Müller Bau AG")
    close = _lead(db, email="eva@web.de", company="Nord Consulting")
    none = _lead(db, email="max@firma.de")
    assert _account_of(db, by_domain) == ids["mueller bau"]
    assert _account_of(db, by_name) == ids["mueller bau"]
    assert _account_of(db, close) is None  # close names are for the bulk match
    assert _account_of(db, none) is None
    # a later intake that brings the company gives the lead its account
    _lead(db, email="max@firma.de", company="Mueller Bau")
    assert _account_of(db, none) == ids["mueller bau"]


def test_bulk_match_assigns_close_names_and_leaves_assigned_leads_alone(db: Database) -> None:
    close = _lead(db, email="eva@web.de", company="Nord Consulting")
    other = _lead(db, email="tim@zimmer.de", company="Zimmer Elektro")
    ids = _accounts(db)  # the accounts come after the leads, as after an import
    summary = match_accounts(db)
    assert (summary.leads, summary.unmatched) == (2, 1)
    assert summary.matched == {"domain": 0, "name": 0, "similar_name": 1}
    assert _account_of(db, close) == ids["nord consulting hamburg"]
    assert _account_of(db, other) is None
    again = match_accounts(db)
    assert (again.leads, again.matched["similar_name"]) == (1, 0)
