"""`leadwerk serve`: upgrades SQLite on start, refuses a PostgreSQL database behind head,
and really serves (a subprocess on a free port)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from leadwerk import schema
from leadwerk.identity.models import DuplicatePair, DuplicateSearch
from leadwerk.identity.types import PairStatus, SearchStatus
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database, make_engine
from tests.cli.conftest import Invoke


def test_refuses_postgresql_behind_head(invoke: Invoke, fresh_database_url: str) -> None:
    if not fresh_database_url.startswith("postgresql"):
        pytest.skip("the refusal is for PostgreSQL; SQLite is upgraded on start")
    engine = make_engine(fresh_database_url, pool_size=1)
    schema.downgrade(engine, "base")
    engine.dispose()
    r = invoke("serve", "--database-url", fresh_database_url)
    assert r.exit_code == 1
    assert f"this Leadwerk needs {schema.head_revision()}" in r.output
    assert "run `leadwerk db upgrade`" in r.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_upgrades_sqlite_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    db_file = tmp_path / "served.db"
    env = {
        **os.environ,
        "LEADWERK_ENVIRONMENT": "dev",
        "LEADWERK_LOG_FORMAT": "json",
        "LEADWERK_DATABASE_URL": f"sqlite:///{db_file}",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "leadwerk", "serve", "--port", str(port), "--no-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert ready is not None, "server did not start in 30 s"
        assert ready.json() == {
            "status": "ok",
            "database": "sqlite",
            "migration": schema.head_revision(),
        }
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/leads").status_code == 401
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=15)
    assert "open http://127.0.0.1:8000/" in out or "Leadwerk is running" in out
    assert '"path": "/readyz"' in err  # one JSON access line per request


def test_serve_demo_fills_the_database_and_the_review_queue(tmp_path: Path) -> None:
    """What `scripts/demo` runs: demo data, some people twice, a search that offers them."""
    port = _free_port()
    db_file = tmp_path / "demo.db"
    env = {
        **os.environ,
        "LEADWERK_ENVIRONMENT": "dev",
        "LEADWERK_LOG_FORMAT": "json",
        "LEADWERK_DATABASE_URL": f"sqlite:///{db_file}",
    }
    command = [sys.executable, "-m", "leadwerk", "serve", "--port", str(port), "--no-worker"]
    proc = subprocess.Popen(
        [*command, "--demo", "--demo-leads", "500"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        ready = None
        while time.monotonic() < deadline and ready is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.3)
        assert ready is not None, "the demo did not start in 120 s"
    finally:
        proc.terminate()
        proc.communicate(timeout=15)
    db = Database.from_url(f"sqlite:///{db_file}", pool_size=1)
    try:
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(Lead)) == 505
            search = session.scalars(select(DuplicateSearch)).one()
            assert (search.status, search.auto_merge, search.merged) == (
                SearchStatus.DONE,
                False,
                0,
            )
            open_pairs = session.scalar(
                select(func.count())
                .select_from(DuplicatePair)
                .where(DuplicatePair.status == PairStatus.OPEN)
            )
            assert open_pairs == search.pairs
            assert open_pairs >= 4  # of the 5 planted
    finally:
        db.dispose()
