"""Writing many rows fast: COPY on PostgreSQL, executemany on SQLite, both inside the caller's
transaction, with ids chosen by the caller (see `reserve`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.orm import Session

from leadwerk.demo.rows import AccountRow, Batch, LeadRow, StageChangeRow, TouchpointRow
from leadwerk.leads.models import Account, Lead, StageChange, Touchpoint
from leadwerk.storage.base import Base, UTCDateTime
from leadwerk.storage.bulk import json_text, load_rows, sqlite_next_id

# SQLite's page cache while loading (negative: KiB); the default is about 2 MiB.
_SQLITE_LOAD_CACHE_KIB = 256 * 1024


class Target:
    """One table: its name, the columns written (the row type's fields) and which of them
    hold times and JSON documents."""

    def __init__(self, model: type[Base], fields: Sequence[str]) -> None:
        mapped: Table = model.__table__  # type: ignore[assignment]
        self.name = mapped.name
        self.columns = tuple(fields)
        self.times = tuple(
            i for i, f in enumerate(fields) if isinstance(mapped.c[f].type, UTCDateTime)
        )
        self.documents = tuple(
            i for i, f in enumerate(fields) if isinstance(mapped.c[f].type, JSON)
        )


ACCOUNTS = Target(Account, AccountRow._fields)
LEADS = Target(Lead, LeadRow._fields)
# The database numbers touchpoints and stage changes: nothing refers to them.
TOUCHPOINTS = Target(Touchpoint, TouchpointRow._fields)
STAGE_CHANGES = Target(StageChange, StageChangeRow._fields)


class BulkWriter(Protocol):
    # True: reserve ids in a short transaction of their own, before the load's transaction.
    reserves_apart: bool

    def reserve(self, session: Session, model: type[Base], count: int) -> int: ...

    def loading(self, session: Session) -> AbstractContextManager[None]: ...

    def write(self, session: Session, target: Target, rows: Sequence[tuple[Any, ...]]) -> None: ...


def write_batch(writer: BulkWriter, session: Session, batch: Batch) -> None:
    """Accounts first, then leads, then the rows that point to leads."""
    if batch.accounts:
        writer.write(session, ACCOUNTS, batch.accounts)
    if batch.leads:
        writer.write(session, LEADS, batch.leads)
    if batch.touchpoints:
        writer.write(session, TOUCHPOINTS, batch.touchpoints)
    if batch.stage_changes:
        writer.write(session, STAGE_CHANGES, batch.stage_changes)


def _max_id(session: Session, model: type[Base]) -> int:
    mapped: Table = model.__table__  # type: ignore[assignment]
    return int(session.scalar(select(func.coalesce(func.max(mapped.c.id), 0))) or 0)


class SqliteWriter:
    """executemany of a Core INSERT over plain columns; values are converted here to what
    SQLAlchemy's types would store (times as `YYYY-MM-DD HH:MM:SS.ffffff` UTC, JSON as text),
    which saves the per-value type processing."""

    reserves_apart = False

    def reserve(self, session: Session, model: type[Base], count: int) -> int:
        # The load's transaction began with BEGIN IMMEDIATE: no other writer until it ends.
        mapped: Table = model.__table__  # type: ignore[assignment]
        return sqlite_next_id(session, mapped.name)

    @contextmanager
    def loading(self, session: Session) -> Iterator[None]:
        conn = session.connection()
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size = -{_SQLITE_LOAD_CACHE_KIB}")
        try:
            yield
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")

    def write(self, session: Session, target: Target, rows: Sequence[tuple[Any, ...]]) -> None:
        times, documents = target.times, target.documents
        values = []
        for row in rows:
            converted = list(row)
            for i in times:
                converted[i] = sqlite_time(converted[i])
            for i in documents:
                converted[i] = json_text(converted[i])
            values.append(tuple(converted))
        load_rows(session, target.name, target.columns, values)


def sqlite_time(value: Any) -> str | None:
    """An aware UTC datetime as SQLAlchemy stores it on SQLite."""
    if value is None:
        return None
    iso: str = value.isoformat(" ")
    if not iso.endswith("+00:00"):
        raise ValueError(f"demo times are UTC, not {iso}")
    iso = iso[:-6]
    return iso if len(iso) > 19 else iso + ".000000"


class PostgresWriter:
    """COPY … FROM STDIN through psycopg 3 on the session's own connection."""

    reserves_apart = True

    def reserve(self, session: Session, model: type[Base], count: int) -> int:
        """The first of `count` ids nobody else will get: the table is locked against inserts
        while its sequence is moved past the range (sequences ignore rollbacks, so the range
        stays taken even if the load fails later)."""
        mapped: Table = model.__table__  # type: ignore[assignment]
        name = mapped.name
        session.execute(text(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE"))
        sequence = session.scalar(text(f"SELECT pg_get_serial_sequence('{name}', 'id')"))
        if sequence is None:
            raise RuntimeError(f"{name}.id has no sequence")
        # The name comes from the catalogue (pg_get_serial_sequence quotes it), not from input.
        state = text(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
        last, called = session.execute(state).one()
        first = max(_max_id(session, model), int(last) if called else int(last) - 1) + 1
        if count > 0:
            session.execute(
                text("SELECT setval(:sequence, :value, true)"),
                {"sequence": sequence, "value": first + count - 1},
            )
        return first

    @contextmanager
    def loading(self, session: Session) -> Iterator[None]:
        yield

    def write(self, session: Session, target: Target, rows: Sequence[tuple[Any, ...]]) -> None:
        documents = target.documents
        if not documents:
            load_rows(session, target.name, target.columns, rows)
            return
        converted_rows = []
        for row in rows:
            converted = list(row)
            for i in documents:
                converted[i] = json_text(converted[i])
            converted_rows.append(converted)
        load_rows(session, target.name, target.columns, converted_rows)


def writer_for(dialect: str) -> BulkWriter:
    if dialect == "postgresql":
        return PostgresWriter()
    if dialect == "sqlite":
        return SqliteWriter()
    raise ValueError(f"no bulk writer for {dialect}")
