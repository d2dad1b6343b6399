"""`leadwerk duplicates …` on a database with planted duplicates: find (merging the sure
pairs), list, merge a pair or two leads, mark a pair "not a duplicate", undo."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from leadwerk.identity.models import DuplicatePair, LeadMerge
from leadwerk.identity.types import MergeReason, PairStatus
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke
from tests.factories.identity import load_planted
from tests.factories.leads import make_lead


def _load(url: str) -> set[tuple[int, int]]:
    db = Database.from_url(url, pool_size=1)
    try:
        return load_planted(db)
    finally:
        db.dispose()


def _scalar(url: str, statement: object) -> object:
    db = Database.from_url(url, pool_size=1)
    try:
        with db.read() as session:
            return session.scalar(statement)  # type: ignore[call-overload]
    finally:
        db.dispose()


def test_find_merges_the_sure_pairs_and_offers_the_rest(
    invoke: Invoke, fresh_database_url: str
) -> None:
    assert invoke("db", "upgrade", "--database-url", fresh_database_url).exit_code == 0
    assert len(_load(fresh_database_url)) == 10
    leads_before = _scalar(fresh_database_url, select(func.count()).select_from(Lead))
    result = invoke("duplicates", "find", "--json", "--database-url", fresh_database_url)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    # of the 10 planted pairs that stayed two leads at intake, 9 are sure enough to merge
    assert (summary["merged"], summary["pairs"], summary["open_pairs"]) == (9, 1, 1)
    assert summary["threshold"] == 0.8
    assert summary["leads"] == leads_before
    merges = _scalar(
        fresh_database_url,
        select(func.count()).select_from(LeadMerge).where(LeadMerge.reason == MergeReason.SEARCH),
    )
    assert merges == summary["merged"]
    assert _scalar(fresh_database_url, select(func.count()).select_from(Lead)) == (
        leads_before - summary["merged"]  # type: ignore[operator]
    )
    # learned again from leads without those duplicates, the model is more careful: nothing
    # more is merged, and the last pair no longer reaches the review threshold
    again = invoke("duplicates", "find", "--database-url", fresh_database_url)
    assert again.exit_code == 0, again.output
    assert "0 leads merged, 0 new pairs at or above 0.8" in again.stdout


def test_review_only_offers_every_pair_and_the_queue_is_worked_off(
    invoke: Invoke, fresh_database_url: str
) -> None:
    assert invoke("db", "upgrade", "--database-url", fresh_database_url).exit_code == 0
    expected = _load(fresh_database_url)
    url = ["--database-url", fresh_database_url]
    found = invoke("duplicates", "find", "--review-only", "--json", *url)
    assert found.exit_code == 0, found.output
    assert (json.loads(found.stdout)["merged"], json.loads(found.stdout)["pairs"]) == (
        0,
        len(expected),
    )
    listed = invoke("duplicates", "list", "--json", "--limit", "200", *url)
    assert listed.exit_code == 0, listed.output
    pairs = json.loads(listed.stdout)["pairs"]
    assert {(p["left"]["id"], p["right"]["id"]) for p in pairs} == expected
    assert [p["probability"] for p in pairs] == sorted(
        (p["probability"] for p in pairs), reverse=True
    )

    first, second = pairs[0], pairs[1]
    merged = invoke(
        "duplicates", "merge-pair", str(first["pair_id"]), "--keep", str(first["right"]["id"]),
        "--json", *url,
    )  # fmt: skip
    assert merged.exit_code == 0, merged.output
    record = json.loads(merged.stdout)
    assert (record["survivor_id"], record["merged_id"], record["reason"]) == (
        first["right"]["id"],
        first["left"]["id"],
        "review",
    )
    dismissed = invoke("duplicates", "dismiss", str(second["pair_id"]), *url)
    assert dismissed.exit_code == 0, dismissed.output
    assert "are not the same person" in dismissed.stdout
    status = _scalar(
        fresh_database_url,
        select(DuplicatePair.status).where(DuplicatePair.id == second["pair_id"]),
    )
    assert status is PairStatus.NOT_DUPLICATE
    twice = invoke("duplicates", "dismiss", str(second["pair_id"]), *url)
    assert twice.exit_code == 1
    assert f"Pair {second['pair_id']} was decided already (not_duplicate)." in twice.stderr

    undone = invoke("duplicates", "undo", str(record["merge_id"]), *url)
    assert undone.exit_code == 0, undone.output
    assert f"lead {first['left']['id']} is back" in undone.stdout
    assert _scalar(fresh_database_url, select(Lead.id).where(Lead.id == first["left"]["id"]))


def test_merge_two_named_leads(invoke: Invoke, fresh_database_url: str) -> None:
    assert invoke("db", "upgrade", "--database-url", fresh_database_url).exit_code == 0
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.transaction() as session:
            keep = make_lead(session, email="anna@example.de", first_name="Anna").id
            other = make_lead(
                session, email="a.m@example.org", phone="030 1234567", country="DE"
            ).id
    finally:
        db.dispose()
    url = ["--database-url", fresh_database_url]
    result = invoke("duplicates", "merge", str(keep), str(other), *url)
    assert result.exit_code == 0, result.output
    assert f"Lead {other} merged into lead {keep}" in result.stdout
    assert "Undo with: leadwerk duplicates undo" in result.stdout
    again = invoke("duplicates", "merge", str(keep), str(other), *url)
    assert again.exit_code == 1
    assert f"Lead {other} was merged into lead {keep} already" in again.stderr
    itself = invoke("duplicates", "merge", str(keep), str(keep), *url)
    assert itself.exit_code == 1
    assert "A lead cannot be merged with itself." in itself.stderr
    missing = invoke("duplicates", "undo", "424242", *url)
    assert missing.exit_code == 1
    assert "There is no merge 424242." in missing.stderr


def test_list_options_are_checked(invoke: Invoke, fresh_database_url: str) -> None:
    result = invoke("duplicates", "list", "--status", "maybe", "--database-url", fresh_database_url)
    assert result.exit_code == 2
    assert "Unknown status 'maybe'" in result.stderr


def test_threshold_out_of_range(invoke: Invoke, fresh_database_url: str) -> None:
    result = invoke(
        "duplicates", "find", "--threshold", "1.5", "--database-url", fresh_database_url
    )
    assert result.exit_code == 2
    assert "identity_review_threshold" in result.stderr
