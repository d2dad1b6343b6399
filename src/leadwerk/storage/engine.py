"""Engines and sessions. `Database` is built in `create_app` (or a CLI command) and passed around.

SQLite: WAL, foreign keys on, a busy timeout, and write transactions that start with
`BEGIN IMMEDIATE`, so two writers queue instead of failing halfway with "database is locked".
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from leadwerk.errors import ConfigurationError

_WRITE_OPTION = "leadwerk_write"


def upsert_insert(dialect: str, table: Table) -> Any:
    """An INSERT that takes `.on_conflict_do_update(...)`: both engines write the same SQL, but
    SQLAlchemy has one construct per dialect (`dialect` is `Dialect.name`)."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3, the driver Leadwerk ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


# FastAPI runs sync handlers on anyio's thread pool, 40 threads by default, and each handler holds
# at most one connection at a time. A pool smaller than that let busy moments open and close
# "overflow" connections on every other request (bench/intake.py at 32 clients: 12-18 % of the
# requests paid for a new PostgreSQL connection); one connection per thread keeps them open.
# The overflow is headroom for the rare code path that nests a read in a transaction.
POOL_SIZE = 40
MAX_OVERFLOW = 10


def make_engine(
    url: str, *, pool_size: int = POOL_SIZE, max_overflow: int = MAX_OVERFLOW, echo: bool = False
) -> Engine:
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise ConfigurationError(f"LEADWERK_DATABASE_URL is not a database URL: {exc}") from exc
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo, pool_size=pool_size, max_overflow=max_overflow)
        _sqlite_setup(engine)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise ConfigurationError(
            f"Leadwerk runs on SQLite or PostgreSQL, not {parsed.get_backend_name()!r}"
        )
    return create_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True
    )


class Database:
    """Hands out sessions: `read()` for queries, `transaction()` for a unit of work that commits.

    Tests build one over a single connection (see `Database.for_connection`) so each test runs
    inside its own transaction and rolls back.
    """

    def __init__(
        self,
        read_factory: sessionmaker[Session],
        write_factory: sessionmaker[Session],
        engine: Engine,
    ) -> None:
        self._read = read_factory
        self._write = write_factory
        self.engine = engine
        # SQLite runs one writer at a time anyway. Threads of this process queue on a lock
        # instead of in SQLite's busy handler, whose growing sleeps made the tail latency
        # seconds long under load; other processes still wait on the busy timeout.
        self._write_lock = threading.RLock() if engine.dialect.name == "sqlite" else None
        # bound to one connection whose transaction stays open (tests): nothing commits, so
        # there is nothing another connection could checkpoint
        self._one_connection = False

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = POOL_SIZE) -> Database:
        return cls.from_engine(make_engine(url, pool_size=pool_size))

    @classmethod
    def from_engine(cls, engine: Engine) -> Database:
        read = sessionmaker(bind=engine, expire_on_commit=False)
        write = sessionmaker(
            bind=engine.execution_options(**{_WRITE_OPTION: True}), expire_on_commit=False
        )
        return cls(read, write, engine)

    @classmethod
    def for_connection(cls, connection: Connection) -> Database:
        """Sessions join the connection's transaction through SAVEPOINTs (test isolation)."""
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        database = cls(factory, factory, connection.engine)
        database._one_connection = True
        return database

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commits when the block ends, rolls back on any exception."""
        if self._write_lock is None:
            with self._write() as session, session.begin():
                yield session
            return
        with self._write_lock, self._write() as session, session.begin():
            yield session

    def scrub(self) -> bool:
        """After data was erased: on SQLite, move the write-ahead log into the database file
        and empty it, so no old copy of an erased page stays in `-wal` (the erasing
        connection zeroed the freed space with `secure_delete`). True when the log could be
        emptied (a reader still busy keeps part of it: call again). On PostgreSQL deleted rows
        are gone for every transaction; autovacuum reuses their space."""
        if self.engine.dialect.name != "sqlite" or self._one_connection:
            return True
        with self.engine.connect() as connection:
            busy, _log, _moved = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        return not busy

    def dispose(self) -> None:
        self.engine.dispose()
