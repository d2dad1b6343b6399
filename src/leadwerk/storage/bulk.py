"""Loading many rows into one table inside the caller's transaction: COPY … FROM STDIN on
PostgreSQL (psycopg 3, on the session's own connection), executemany on SQLite. Values go in
as they are: the caller converts them to what the column stores (JSON as `json_text`, times
as the engine keeps them). Used by the demo loader and by imports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

json_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def load_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    listed = ", ".join(quote(c) for c in columns)
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {quote(table)} ({listed}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    values = list(rows)
    if values:  # (an empty list would be taken for "no parameters")
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(
            f"INSERT INTO {quote(table)} ({listed}) VALUES ({marks})",  # noqa: S608 - our names
            values,
        )


def sqlite_next_id(session: Session, table: str) -> int:
    """The first id SQLite would give a new row of `table` (inside a write transaction, which
    on SQLite excludes every other writer): past the largest id the table ever held, which an
    AUTOINCREMENT table keeps in `sqlite_sequence` after the row itself is gone."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    largest = connection.exec_driver_sql(
        f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?), 0), "  # noqa: S608
        f"coalesce((SELECT max(id) FROM {quote(table)}), 0))",
        (table,),
    ).scalar()
    return int(largest or 0) + 1


def reserve_ids(session: Session, table: str, count: int) -> list[int]:
    """`count` ids for new rows of `table`, to write them with their ids (COPY, or inserts that
    need no id read back). On SQLite inside a write transaction, which excludes every other
    writer until it ends."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
        )
        return [int(i) for i in session.scalars(statement, {"table": table, "n": count})]
    first = sqlite_next_id(session, table)
    return list(range(first, first + count))
