"""Loading many rows into one table inside the caller's transaction: COPY … FROM STDIN on
PostgreSQL (psycopg 3, on the session's own connection), executemany on SQLite. Values go in
as they are: the caller converts them to what the column stores (JSON as `json_text`, times
as the engine keeps them). Used by the demo loader and by imports.

`load_lines` takes rows whose text values were put into COPY's text format already
(`copy_line`), where they were produced: an import's worker processes do it for every row,
so the importing process hands PostgreSQL one string per batch instead of formatting each
value (measured on 1,000,000 rows: psycopg's `write_row` was 16 s of the importing process).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psycopg import Copy
from sqlalchemy import text
from sqlalchemy.orm import Session

json_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@contextmanager
def _copy(session: Session, table: str, columns: Sequence[str]) -> Iterator[Copy]:
    """PostgreSQL's COPY … FROM STDIN into `table`, on the session's own connection."""
    connection = session.connection()
    quote = connection.dialect.identifier_preparer.quote
    listed = ", ".join(quote(c) for c in columns)
    raw = connection.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {quote(table)} ({listed}) FROM STDIN") as copy,
    ):
        yield copy


def load_rows(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        with _copy(session, table, columns) as copy:
            for row in rows:
                copy.write_row(row)
        return
    values = list(rows)
    if values:  # (an empty list would be taken for "no parameters")
        quote = connection.dialect.identifier_preparer.quote
        listed = ", ".join(quote(c) for c in columns)
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(
            f"INSERT INTO {quote(table)} ({listed}) VALUES ({marks})",  # noqa: S608 - our names
            values,
        )


COPY_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}
_COPY_ESCAPE = re.compile(r"\\(.)")


def copy_field(value: Any) -> str:
    """One value in COPY's text format (what `copy_values` reads back for a text value)."""
    if value is None:
        return COPY_NULL
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def copy_line(values: Sequence[str | None]) -> str:
    """Text values (or None) as one line of COPY's text format, without its line break. Most
    lines need no escape: joined once and checked (every backslash the line holds is one of
    its NULLs, it has a tab per value after the first, no line break), else escaped value by
    value."""
    line = "\t".join([COPY_NULL if v is None else v for v in values])
    if (
        line.count("\\") != values.count(None)
        or line.count("\t") != len(values) - 1
        or "\n" in line
        or "\r" in line
    ):
        line = "\t".join([copy_field(v) for v in values])
    return line


def copy_values(line: str) -> tuple[str | None, ...]:
    """The text values of a `copy_line`."""
    fields = line.split("\t")
    if "\\" not in line:  # no NULL (\N) and no escape
        return tuple(fields)
    return tuple(
        None
        if f == COPY_NULL
        else _COPY_ESCAPE.sub(lambda m: _COPY_UNESCAPES[m[1]], f)
        if "\\" in f
        else f
        for f in fields
    )


def load_lines(
    session: Session,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Sequence[Any], str]],
    constants: Sequence[Any] = (),
) -> None:
    """Like `load_rows`, for rows given as (leading values, a `copy_line` of the text values
    after them), followed in every row by `constants`."""
    if session.get_bind().dialect.name != "postgresql":
        fixed = tuple(constants)
        load_rows(session, table, columns, ((*h, *copy_values(line), *fixed) for h, line in rows))
        return
    tail = "".join("\t" + copy_field(v) for v in constants) + "\n"
    data = "".join(
        ["\t".join([*[copy_field(v) for v in head], line]) + tail for head, line in rows]
    )
    if data:
        with _copy(session, table, columns) as copy:
            copy.write(data)


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
