"""The list and detail endpoints issue a fixed number of statements, however many rows they
return: an N+1 query fails here."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from starlette.testclient import TestClient

from leadwerk.storage.engine import Database
from tests.factories.leads import make_lead


@contextmanager
def counting(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _statements_for(client: TestClient, db: Database, url: str, headers: dict[str, str]) -> int:
    client.get(url, headers=headers)  # warm caches (e.g. the API key)
    with counting(db) as statements:
        assert client.get(url, headers=headers).status_code == 200
    return len(statements)


def test_lead_list_statements_do_not_grow_with_rows(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    with db.transaction() as s:
        for i in range(3):
            make_lead(s, email=f"few{i}@example.com")
    few = _statements_for(client, db, "/api/v1/leads?limit=200", headers)
    with db.transaction() as s:
        for i in range(40):
            make_lead(s, email=f"many{i}@example.com")
    many = _statements_for(client, db, "/api/v1/leads?limit=200", headers)
    assert few == many


def test_lead_detail_statements_do_not_grow_with_timeline(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    with db.transaction() as s:
        lead = make_lead(s, email="t@example.com")
        lead_id = lead.id
    url = f"/api/v1/leads/{lead_id}"
    short = _statements_for(client, db, url, headers)
    with db.transaction() as s:
        for _ in range(20):
            make_lead(s, email="t@example.com")  # each intake adds a touchpoint and an audit
    long = _statements_for(client, db, url, headers)
    assert short == long
