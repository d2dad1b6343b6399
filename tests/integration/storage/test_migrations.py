"""Migrations upgrade and downgrade on SQLite and PostgreSQL, and agree with the models."""

from __future__ import annotations

from sqlalchemy import inspect, text

from leadwerk import schema
from leadwerk.storage.base import Base
from leadwerk.storage.engine import make_engine

# Every table a model declares; `schema.differences` below checks their columns and indexes.
MODEL_TABLES = set(Base.metadata.tables)


def test_the_models_declare_the_core_tables() -> None:
    assert {
        "teams",
        "users",
        "user_sessions",
        "api_keys",
        "audit_log",
        "accounts",
        "campaigns",
        "campaign_spend",
        "leads",
        "touchpoints",
        "stage_history",
        "webhook_endpoints",
        "outbox",
        "delivery_attempts",
        "idempotency_keys",
    } <= MODEL_TABLES


def test_upgrade_downgrade_upgrade(fresh_database_url: str) -> None:
    engine = make_engine(fresh_database_url, pool_size=1)
    try:
        assert schema.status(engine).at_head
        assert set(inspect(engine).get_table_names()) == MODEL_TABLES | {"alembic_version"}
        assert schema.differences(engine) == []  # what `alembic check` checks

        schema.downgrade(engine, "base")
        assert schema.current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) - {"alembic_version"} == set()

        schema.upgrade(engine)
        assert schema.status(engine).at_head
        assert schema.differences(engine) == []
    finally:
        engine.dispose()


def test_sqlite_pragmas(tmp_sqlite_url: str) -> None:
    engine = make_engine(tmp_sqlite_url, pool_size=1)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    finally:
        engine.dispose()
