"""A large upload is imported in a background thread while the page shows its progress (on a
database of its own: the thread commits through its own connections)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth import service as auth
from leadwerk.capture.imports.models import Import
from leadwerk.capture.imports.types import ImportStatus
from leadwerk.leads.models import Lead
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from leadwerk.web import imports as import_views
from tests.conftest import TEST_SECRET
from tests.factories.auth import make_user
from tests.web.conftest import HTML, csrf_token

ROWS = 3000


@pytest.fixture(autouse=True)
def _uploads_in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(import_views, "UPLOADS", tmp_path / "uploads")


@pytest.mark.slow
def test_a_large_file_runs_in_the_background(fresh_database_url: str, tmp_path: Path) -> None:
    settings = Settings(
        environment="dev",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        api_key_cache_seconds=0,
        log_format="console",
    )
    db = Database.from_url(fresh_database_url, pool_size=2)
    lines = ["E-Mail;Vorname;Nachname;Notiz"]
    lines += [f"bg{n}@background.example;Vor{n};Nach{n};{'x' * 60}" for n in range(ROWS)]
    data = ("\n".join(lines) + "\n").encode()
    assert len(data) >= import_views.BACKGROUND_MIN_BYTES
    try:
        with db.transaction() as session:
            who = make_user(session)
            cookie = auth.start_session(
                session, who, max_age_seconds=3600, ip="127.0.0.1", user_agent="pytest"
            )
        with TestClient(create_app(settings), headers=HTML) as client:
            client.cookies.set("lw_session", cookie)
            token = csrf_token(client.get("/imports").text)
            uploaded = client.post(
                "/imports", data={"csrf_token": token}, files={"file": ("big.csv", data)}
            )
            assert uploaded.status_code == 200
            upload_url = str(uploaded.url.path)
            run = client.post(
                upload_url,
                data={
                    "csrf_token": csrf_token(uploaded.text),
                    "action": "run",
                    "lawful_basis": "consent",
                    "evidence": "Messe",
                },
                follow_redirects=False,
            )
            assert run.status_code == 303
            detail_url = run.headers["location"]
            deadline = time.monotonic() + 240
            while True:
                page = client.get(detail_url)
                assert page.status_code == 200
                if "hx-trigger" not in page.text:
                    break
                assert "rows done so far." in page.text
                assert '<meta http-equiv="refresh" content="3">' in page.text
                fragment = client.get(detail_url, headers={"HX-Request": "true"})
                assert fragment.text.lstrip().startswith('<section class="card"')
                assert time.monotonic() < deadline, "the import did not finish"
                time.sleep(0.5)
            assert "Completed" in page.text
            assert client.get(upload_url).status_code == 404  # the upload was cleaned up
        with db.read() as session:
            record = session.scalars(select(Import)).one()
            assert (record.status, record.rows, record.created) == (
                ImportStatus.COMPLETED,
                ROWS,
                ROWS,
            )
            assert session.scalar(select(func.count()).select_from(Lead)) == ROWS
    finally:
        db.dispose()
