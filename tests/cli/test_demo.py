"""`leadwerk demo`: loads, prints a summary, refuses a seed loaded already."""

from __future__ import annotations

import pytest
import typer
from sqlalchemy import func, select

from leadwerk import schema
from leadwerk.cli.main import app
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database, make_engine
from tests.cli.conftest import Invoke


def _leads(url: str) -> int:
    db = Database.from_url(url, pool_size=1)
    try:
        with db.read() as session:
            return int(session.scalar(select(func.count()).select_from(Lead)) or 0)
    finally:
        db.dispose()


def test_demo_loads_and_summarises(invoke: Invoke, fresh_database_url: str) -> None:
    args = ("demo", "--leads", "300", "--today", "2025-06-01", "--database-url",
            fresh_database_url)  # fmt: skip
    r = invoke(*args, "--batch-size", "100")
    assert r.exit_code == 0, r.output
    assert "Demo data of seed 1" in r.output
    assert "│ leads                     │ 300   │" in r.output
    assert "Period 2023-12-01 to 2025-05-31." in r.output
    assert "leads/s" in r.output
    assert _leads(fresh_database_url) == 300

    again = invoke(*args)
    assert again.exit_code == 1
    assert "Demo data of seed 1 is loaded already (300 leads)" in again.output
    assert "Choose another seed." in again.output

    more = invoke(*args, "--seed", "2")
    assert more.exit_code == 0, more.output
    assert _leads(fresh_database_url) == 600


def test_demo_upgrades_an_empty_sqlite_database(invoke: Invoke, tmp_sqlite_url: str) -> None:
    r = invoke("demo", "--leads", "50", "--months", "3", "--database-url", tmp_sqlite_url)
    assert r.exit_code == 0, r.output
    assert _leads(tmp_sqlite_url) == 50


def test_demo_refuses_a_postgresql_database_behind_head(
    invoke: Invoke, fresh_database_url: str
) -> None:
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("SQLite is upgraded instead")
    engine = make_engine(fresh_database_url, pool_size=1)
    schema.downgrade(engine, "base")
    engine.dispose()
    r = invoke("demo", "--leads", "10", "--database-url", fresh_database_url)
    assert r.exit_code == 1
    assert "run `leadwerk db upgrade`" in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--leads", "-1"), "Invalid value for '--leads'"),
        (("--months", "0"), "Invalid value for '--months'"),
        (("--today", "1.6.2025"), "Invalid value for '--today'"),
    ],
)
def test_demo_refuses_bad_options(
    invoke: Invoke, tmp_sqlite_url: str, args: tuple[str, ...], message: str
) -> None:
    r = invoke("demo", *args, "--database-url", tmp_sqlite_url)
    assert r.exit_code == 2
    assert message in r.output


def test_every_demo_option_has_help() -> None:
    command = typer.main.get_command(app).commands["demo"]  # type: ignore[attr-defined]
    assert command.help.startswith("Fill the database with realistic demo data")
    options = {p.name: p.help for p in command.params}
    assert set(options) == {"leads", "seed", "months", "today", "batch_size",
                            "staff_password_env", "database_url"}  # fmt: skip
    assert all(options.values()), options
