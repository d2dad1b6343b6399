from __future__ import annotations

import json
import logging

import pytest
from starlette.testclient import TestClient

from leadwerk import schema
from leadwerk.app import create_app
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database


def test_healthz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}


def test_readyz_reports_database_and_migration(client: TestClient, db: Database) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": db.dialect, "migration": schema.head_revision()}


def test_readyz_is_503_behind_head(fresh_database_url: str, settings: Settings) -> None:
    database = Database.from_url(fresh_database_url, pool_size=1)
    schema.downgrade(database.engine, "base")
    app = create_app(settings, db=database)
    try:
        with TestClient(app) as c:
            r = c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["detail"] == (
            f"database at migration None, code needs {schema.head_revision()}; "
            "run `leadwerk db upgrade`"
        )
    finally:
        database.dispose()


def test_request_id_is_echoed_or_made_and_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="leadwerk.http"):
        r = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    line = next(rec for rec in caplog.records if rec.name == "leadwerk.http")
    assert (line.method, line.path, line.status) == ("GET", "/healthz", 200)  # type: ignore[attr-defined]

    r = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert r.headers["x-request-id"] != "<script>"
    assert len(r.headers["x-request-id"]) == 32


def test_json_log_lines_carry_the_request_id() -> None:
    from leadwerk.observability import JsonFormatter, request_id_var

    token = request_id_var.set("rid-1")
    try:
        record = logging.LogRecord(
            "leadwerk.x", logging.INFO, __file__, 1, "hello %s", ("world",), None
        )
        record.lead_id = 7
        entry = json.loads(JsonFormatter().format(record))
    finally:
        request_id_var.reset(token)
    assert {k: entry[k] for k in ("level", "logger", "message", "request_id", "lead_id")} == {
        "level": "info",
        "logger": "leadwerk.x",
        "message": "hello world",
        "request_id": "rid-1",
        "lead_id": 7,
    }
