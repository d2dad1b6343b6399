"""`leadwerk duplicates find` on a database with planted duplicates."""

from __future__ import annotations

import json

from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke
from tests.factories.identity import load_planted


def _load(url: str) -> set[tuple[int, int]]:
    db = Database.from_url(url, pool_size=1)
    try:
        return load_planted(db)
    finally:
        db.dispose()


def test_find_reports_and_stores_the_pairs(invoke: Invoke, fresh_database_url: str) -> None:
    assert invoke("db", "upgrade", "--database-url", fresh_database_url).exit_code == 0
    expected = _load(fresh_database_url)
    result = invoke("duplicates", "find", "--json", "--database-url", fresh_database_url)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["pairs"], summary["open_pairs"]) == (len(expected), len(expected))
    assert summary["leads"] > 300
    assert summary["threshold"] == 0.8
    again = invoke("duplicates", "find", "--database-url", fresh_database_url)
    assert again.exit_code == 0, again.output
    assert f"{len(expected)} open pairs to" in again.stdout  # (the line wraps)


def test_threshold_out_of_range(invoke: Invoke, fresh_database_url: str) -> None:
    result = invoke(
        "duplicates", "find", "--threshold", "1.5", "--database-url", fresh_database_url
    )
    assert result.exit_code == 2
    assert "identity_review_threshold" in result.stderr
