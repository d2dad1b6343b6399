"""A database with planted duplicates, loaded through the intake pipeline."""

from __future__ import annotations

from leadwerk.demo.duplicates import FIELD_KINDS, HEADER, people_with_duplicates
from leadwerk.identity.rules import canonical_email
from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead

# The list's columns as intake fields (each kind's value is the intake field's name).
COLUMNS = {column: kind.value for column, kind in FIELD_KINDS.items()}


def load_planted(
    db: Database, count: int = 300, planted: int = 40, seed: int = 3
) -> set[tuple[int, int]]:
    """The planted list as leads; returns the lead pairs that stay two leads (intake itself
    joins a duplicate with the same address), each as (smaller id, larger id)."""
    people = people_with_duplicates(count, planted, seed=seed)
    lead_of: dict[str, int] = {}
    emails: dict[str, str | None] = {}
    with db.transaction() as session:
        for row in people.rows:
            values = {
                COLUMNS[h]: v or None for h, v in zip(HEADER, row, strict=True) if h in COLUMNS
            }
            lead_of[row[0]] = make_lead(session, **values).id
            emails[row[0]] = canonical_email(values["email"])
    return {
        (min(lead_of[a], lead_of[b]), max(lead_of[a], lead_of[b]))
        for a, b in people.duplicates
        if emails[a] != emails[b]
    }
