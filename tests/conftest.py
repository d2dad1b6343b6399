"""Shared fixtures. Every test that touches a database runs once on SQLite and once on
PostgreSQL, each inside its own transaction that is rolled back afterwards.

PostgreSQL: LEADWERK_TEST_POSTGRES_URL (default postgresql:///test). A fresh database is
created for the run and dropped after it. Unreachable PostgreSQL skips those tests, except
with CI=true, where it fails them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from leadwerk import schema
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database, make_engine, normalise_url

# CI explores the same examples every run (a red CI is then about the change, not luck);
# local runs keep exploring new ones. No deadlines: the machine is shared and small.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
POSTGRES_URL = os.environ.get("LEADWERK_TEST_POSTGRES_URL", "postgresql:///test")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _postgres_admin() -> Engine | None:
    engine = create_engine(normalise_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            return engine
    except OperationalError as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable in CI: {exc}")
        return None


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'leadwerk-test.db'}"


@contextmanager
def _new_postgres_database() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database; dropped when the block ends."""
    admin = _postgres_admin()
    if admin is None:
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} is unreachable")
    name = f"leadwerk_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_url(POSTGRES_URL).rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """The run's shared database (tests isolate themselves by transaction rollback)."""
    with _new_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own, migrated to head, where commits really commit: for
    tests with several connections, threads or processes (workers, servers, the browser)."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'fresh.db'}"
        else:
            url = stack.enter_context(_new_postgres_database())
        eng = make_engine(url, pool_size=2)
        schema.upgrade(eng)
        eng.dispose()
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An engine on a database at the head migration, one per backend for the session."""
    url = request.getfixturevalue(f"{request.param}_url")
    eng = make_engine(url, pool_size=5)
    schema.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Database]:
    """A Database whose every session lives inside one transaction, rolled back at the end."""
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield Database.for_connection(connection)
        finally:
            transaction.rollback()


@pytest.fixture
def settings(engine: Engine) -> Settings:
    return Settings(
        environment="dev",
        database_url=str(engine.url.render_as_string(False)),
        secret_key=TEST_SECRET,
        api_key_cache_seconds=0,
        log_format="console",
    )


@pytest.fixture
def tmp_sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database of its own, for tests that migrate or start processes."""
    return f"sqlite:///{tmp_path / 'own.db'}"
