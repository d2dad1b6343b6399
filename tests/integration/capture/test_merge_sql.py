"""`merge_sql` (the bulk import's UPDATE) against `merge_into` (the intake pipeline), on both
databases: random existing leads, random incoming rows (some of one address several times),
written by the bulk path; every column must come out as `merge_into` computes it."""

from __future__ import annotations

import copy
import random
from dataclasses import fields
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import select

from leadwerk.capture import rules
from leadwerk.capture.imports import bulk, staging
from leadwerk.capture.rules import merge_into
from leadwerk.capture.types import Intake, NormalisedLead
from leadwerk.leads import rules as lead_rules
from leadwerk.leads.models import Lead
from leadwerk.leads.types import TouchpointType
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead

NOW = datetime(2031, 1, 1, tzinfo=UTC)
FIRST_NAMES = ["Anna", "JÖRG", "d'arcy", "Zoë", None, None]
LAST_NAMES = ["van der Berg", "MÜLLER", "McDonald", None, None]
COMPANIES = ["Bäckerei Öz GmbH", "ACME", None, None]
TITLES = ["Leiterin Vertrieb", "CEO", "Werkstudent", None]
COUNTRIES = ["Deutschland", "AT", "Schweiz", None]
PHONES = ["+49 30 1234567", "+49 171 2345678", "+43 1 5123456", None, None]
SOURCES = ["Messe", "web", None, None]
UTM = ["google", "newsletter", None, None]
FIRST_TOUCH = ("source", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
NORMALISED = {f.name for f in fields(NormalisedLead)}
COMPARED = (
    *(c.key for c in cast(Any, Lead.__table__).columns if c.key in NORMALISED),
    "phone_key",
    "search_text",
    "attributes",
)


def _incoming(rng: random.Random, email: str) -> NormalisedLead:
    intake = Intake(
        email=email.upper() if rng.random() < 0.2 else email,
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        phone=rng.choice(PHONES),
        company=rng.choice(COMPANIES),
        job_title=rng.choice(TITLES),
        country=rng.choice(COUNTRIES),
        source=rng.choice(SOURCES),
        utm_source=rng.choice(UTM),
        utm_medium=rng.choice(["cpc", "email", None]),
        attributes=rng.choice([{}, {"umsatz": rng.randint(1, 9)}, {"notiz": "neu", "keep": 2}]),
        touchpoint_type=TouchpointType.IMPORT,
    )
    clean, errors = rules.normalise(intake)
    assert clean is not None, errors
    return clean


def _existing(session: Any, rng: random.Random, email: str) -> Lead:
    lead = make_lead(
        session,
        email=email,
        first_name=rng.choice(FIRST_NAMES),
        last_name=rng.choice(LAST_NAMES),
        company=rng.choice(COMPANIES),
        phone=rng.choice(PHONES),
        attributes=rng.choice([{}, {"keep": 1}, {"umsatz": 0, "alt": "x"}]),
    )
    for name in FIRST_TOUCH:  # gaps as None and as "", which merge_into both fills
        setattr(lead, name, rng.choice([None, "", "alt"]))
    return lead


def _expected(lead: Lead, rows: list[NormalisedLead]) -> dict[str, Any]:
    mirror = SimpleNamespace(**{name: copy.deepcopy(getattr(lead, name)) for name in COMPARED})
    for clean in rows:
        merge_into(cast(Lead, mirror), clean)
    mirror.search_text = lead_rules.search_text(
        mirror.first_name, mirror.last_name, mirror.email, mirror.company
    )
    return {name: getattr(mirror, name) for name in COMPARED}


def test_the_bulk_update_merges_as_the_intake_pipeline_does(db: Database) -> None:
    rng = random.Random(20261122)
    emails = [f"person{n}@merge.example" for n in range(150)]
    with db.transaction() as session:
        leads = {email: _existing(session, rng, email) for email in emails}
    with db.read() as session:
        before = {email: session.get(Lead, lead.id) for email, lead in leads.items()}
        for lead in before.values():
            session.expunge(lead)
    incoming: dict[str, list[NormalisedLead]] = {}
    accepted: list[staging.AcceptedRow] = []
    for number in range(300):
        email = rng.choice(emails)
        clean = _incoming(rng, email)
        incoming.setdefault(email, []).append(clean)
        accepted.append(staging.AcceptedRow(number + 2, clean, rng.random() < 0.5))
    with db.transaction() as session:
        counts = bulk.write_batch(
            session, staging.stage(accepted, 1), now=NOW, seen_keys=set(), actor="test"
        )
    assert (counts.rows, counts.created) == (300, 0)
    assert (counts.updated, counts.merged) == (len(incoming), 300 - len(incoming))
    with db.read() as session:
        for email, rows in incoming.items():
            lead = before[email]
            assert lead is not None
            stored = session.scalars(select(Lead).where(Lead.id == lead.id)).one()
            got = {name: getattr(stored, name) for name in COMPARED}
            assert got == _expected(lead, rows), email
            assert (stored.updated_at, stored.last_activity_at) == (NOW, NOW)
