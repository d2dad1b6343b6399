from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, Table

from leadwerk import schema
from leadwerk.leads.types import Stage
from leadwerk.storage.base import Base, EnumValue, UTCDateTime
from leadwerk.storage.engine import make_engine
from tests.cli.conftest import Invoke


def test_db_commands_round_trip(invoke: Invoke, fresh_database_url: str) -> None:
    url = ["--database-url", fresh_database_url]
    head = schema.head_revision()
    r = invoke("db", "current", *url)
    assert r.exit_code == 0
    assert r.output == f"current: {head}\nhead:    {head}\nup to date\n"

    r = invoke("db", "check", *url)
    assert (r.exit_code, r.output) == (0, "Models and migrations agree.\n")

    r = invoke("db", "downgrade", "base", *url)
    assert (r.exit_code, r.output) == (0, "Database downgraded to base.\n")
    r = invoke("db", "current", *url)
    assert r.output.endswith("behind: run `leadwerk db upgrade`\n")
    r = invoke("db", "check", *url)
    assert r.exit_code == 1
    assert "upgrade it first" in r.output

    r = invoke("db", "upgrade", *url)
    assert (r.exit_code, r.output) == (0, f"Database upgraded from empty to {head}.\n")
    engine = make_engine(fresh_database_url, pool_size=1)
    assert schema.status(engine).at_head
    engine.dispose()


def test_bad_database_url_is_a_message_not_a_traceback(invoke: Invoke) -> None:
    r = invoke("db", "current", "--database-url", "mysql://x/y")
    assert r.exit_code == 1
    assert "Leadwerk runs on SQLite or PostgreSQL, not 'mysql'" in r.output


def test_production_mode_refuses_placeholder_secret(invoke: Invoke) -> None:
    r = invoke("db", "current", env={"LEADWERK_ENVIRONMENT": "production"})
    assert r.exit_code == 2
    assert "LEADWERK_SECRET_KEY is a placeholder" in r.output


def test_db_revision_writes_a_migration_with_plain_types(
    invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Autogenerate renders our column types as plain SQLAlchemy types (no model imports)."""
    migrations = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS_DIR, migrations)
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", migrations)
    schema.head_revision.cache_clear()
    url = f"sqlite:///{tmp_path / 'rev.db'}"
    extra = Table(
        "scratch_things",
        Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("seen_at", UTCDateTime()),
        Column("stage", EnumValue(Stage)),
    )
    try:
        assert invoke("db", "upgrade", "--database-url", url).exit_code == 0
        expected = f"{int(schema.head_revision()) + 1:04d}_add_scratch_things.py"
        r = invoke("db", "revision", "add scratch things", "--database-url", url)
        assert r.exit_code == 0, r.output
        written = Path(r.output.strip().removeprefix("Wrote ").replace("\n", ""))
        text = written.read_text()
        assert "op.create_table(" in text
        assert "sa.DateTime(timezone=True)" in text
        assert "sa.String(length=32)" in text
        assert "leadwerk" not in text
        assert written.name == expected
    finally:
        Base.metadata.remove(extra)
        schema.head_revision.cache_clear()
