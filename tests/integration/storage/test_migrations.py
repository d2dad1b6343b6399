"""Migrations upgrade and downgrade on SQLite and PostgreSQL, and agree with the models."""

from __future__ import annotations

from sqlalchemy import bindparam, inspect, text

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


def test_optional_links_are_indexed_only_where_set(fresh_database_url: str) -> None:
    """Migration 0018: an import's millions of rows without an account, team or campaign
    add no entries to those indexes."""
    engine = make_engine(fresh_database_url, pool_size=1)
    names = ("ix_leads_account_id", "ix_leads_team_id", "ix_touchpoints_campaign_id")
    if engine.dialect.name == "postgresql":
        query = text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN :names")
    else:
        query = text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN :names")
    try:
        with engine.connect() as conn:
            query = query.bindparams(bindparam("names", expanding=True))
            definitions = {n: d for n, d in conn.execute(query, {"names": names})}
    finally:
        engine.dispose()
    assert set(definitions) == set(names)
    for name, definition in definitions.items():
        column = name.split("_", 2)[2]
        assert f"WHERE ({column} IS NOT NULL)" in definition or (
            f"WHERE {column} IS NOT NULL" in definition
        ), definition
