"""`leadwerk accounts match` assigns accounts and reports how."""

from __future__ import annotations

import json

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.leads.models import Account
from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke


def test_match_reports_what_it_assigned(invoke: Invoke, fresh_database_url: str) -> None:
    assert invoke("db", "upgrade", "--database-url", fresh_database_url).exit_code == 0
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.transaction() as session:
            capture.run_intake(
                session, Intake(email="eva@web.de", company="Nord Consulting"), actor="t"
            )
            capture.run_intake(session, Intake(email="tim@zimmer.de"), actor="t")
            session.add(Account(name="Nord Consulting Hamburg", name_key="nord consulting hamburg"))
    finally:
        db.dispose()
    result = invoke("accounts", "match", "--json", "--database-url", fresh_database_url)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["leads"], summary["unmatched"]) == (2, 1)
    assert summary["matched"] == {"domain": 0, "name": 0, "similar_name": 1}
    again = invoke("accounts", "match", "--database-url", fresh_database_url)
    assert again.exit_code == 0, again.output
    assert "1 leads without an account" in again.stdout
