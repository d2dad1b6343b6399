"""`bench/import_leads.py --quick` runs and prints its JSON (figures are reported, not asserted)."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick
from tests.conftest import _postgres_admin


@pytest.mark.slow
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_quick_run_prints_the_figures_and_the_baseline(database: str) -> None:
    if database == "postgresql":
        admin = _postgres_admin()
        if admin is None:
            pytest.skip("PostgreSQL is unreachable")
        admin.dispose()
    result = run_quick("import_leads.py", "--database", database)
    assert (result["benchmark"], result["database"], result["quick"]) == (
        "import_leads",
        database,
        True,
    )
    # the same seeds give the same file on every run and database: half of it names a lead
    # that exists already
    assert (result["rows"], result["existing"], result["rows_matching_existing"]) == (
        5000,
        5000,
        2500,
    )
    assert (result["created"], result["updated"], result["merged"], result["rejected"]) == (
        2500,
        2500,
        0,
        0,
    )
    assert result["seconds"] > 0
    assert (result["consent_purpose"], result["consent_events"]) == (None, 0)
    if database == "postgresql":
        assert result["baseline"]["seconds"] > 0
        assert result["ratio"] > 0
    else:
        assert (result["baseline"], result["ratio"]) == (None, None)


@pytest.mark.slow
def test_quick_run_with_a_consent_text() -> None:
    result = run_quick("import_leads.py", "--consent-text", "sales_contact")
    assert (result["consent_purpose"], result["rows"], result["rejected"]) == (
        "sales_contact",
        5000,
        0,
    )
    # the rows saying yes ("ja", a third of the file), one entry per person
    assert 1000 < result["consent_events"] < 2500
