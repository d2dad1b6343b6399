"""`leadwerk consent verify|purposes|publish`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import update

from leadwerk.consent import service
from leadwerk.consent.models import ConsentEvent
from leadwerk.consent.types import EventContent, EventKind, Method
from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke


def _ledger(url: str, count: int) -> None:
    db = Database.from_url(url, pool_size=1)
    try:
        with db.transaction() as session:
            for n in range(count):
                service.record(
                    session,
                    None,
                    EventContent(
                        kind=EventKind.GRANTED,
                        purpose="sales_contact",
                        text_id=None,
                        method=Method.API,
                        occurred_at=datetime(2026, 1, 1, n, tzinfo=UTC),
                        email=f"p{n}@example.de",
                    ),
                )
    finally:
        db.dispose()


def test_verify_reports_an_intact_and_a_broken_ledger(
    invoke: Invoke, fresh_database_url: str
) -> None:
    url = ["--database-url", fresh_database_url]
    _ledger(fresh_database_url, 3)
    intact = invoke("consent", "verify", "--json", *url)
    assert intact.exit_code == 0, intact.output
    report = json.loads(intact.stdout)
    assert (report["intact"], report["events"], report["broken_at"]) == (True, 3, None)
    assert len(report["head"]) == 64
    text = invoke("consent", "verify", *url)
    assert "The consent ledger is intact: 3 entries" in text.stdout
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.transaction() as session:
            session.execute(
                update(ConsentEvent).where(ConsentEvent.seq == 2).values(email="x@example.de")
            )
    finally:
        db.dispose()
    broken = invoke("consent", "verify", *url)
    assert broken.exit_code == 1
    assert (
        "The consent ledger is broken at entry 2: its content was changed. "
        "The entries before it (1) are intact" in " ".join(broken.stderr.split())
    )
    as_json = invoke("consent", "verify", "--json", *url)
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["broken_at"] == 2


def test_purposes_and_publishing_a_text(
    invoke: Invoke, fresh_database_url: str, tmp_path: Path
) -> None:
    url = ["--database-url", fresh_database_url]
    wording = tmp_path / "newsletter-de.txt"
    wording.write_text("Ja, schickt mir den Newsletter. Widerruf jederzeit.\n", encoding="utf-8")
    published = invoke(
        "consent", "publish", "newsletter", "--language", "de", "--file", str(wording), *url
    )
    assert published.exit_code == 0, published.output
    assert "Published newsletter (de) version 2" in published.stdout
    listed = invoke("consent", "purposes", "--json", *url)
    purposes = {p["name"]: p for p in json.loads(listed.stdout)["purposes"]}
    assert sorted(purposes) == ["marketing_email", "newsletter", "profiling", "sales_contact"]
    assert purposes["newsletter"]["double_opt_in"] is True
    assert purposes["newsletter"]["texts"]["de"] == {
        "version": 2,
        "text": "Ja, schickt mir den Newsletter. Widerruf jederzeit.",
    }
    assert purposes["newsletter"]["texts"]["en"]["version"] == 1
    unknown = invoke("consent", "publish", "nope", "--language", "de", "--text", "x", *url)
    assert unknown.exit_code == 1
    assert "There is no consent purpose 'nope'" in unknown.stderr
    both = invoke("consent", "publish", "newsletter", "--language", "de", *url)
    assert both.exit_code == 2
    assert "Give the wording with --text or --file" in both.stderr
