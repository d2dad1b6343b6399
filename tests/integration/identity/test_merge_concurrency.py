"""Merges racing each other and intakes, on real connections: one lead never ends in two
survivors, and an intake of the merged lead's address during the merge finds the person."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.errors import NotFound
from leadwerk.identity import merging
from leadwerk.identity.models import LeadMerge
from leadwerk.identity.types import MergeReason
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.engine import Database, make_engine

ROUNDS = 4


def _race(databases: list[Database], work: list[Callable[[Database], object]]) -> list[object]:
    """Run each piece of work in its own thread and connection at the same moment; their
    results (or exceptions), in order."""
    barrier = threading.Barrier(len(work))
    results: list[object] = [None] * len(work)

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[n] = work[n](databases[n])
        except BaseException as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _merge(survivor: int, merged: int) -> Callable[[Database], object]:
    def work(db: Database) -> object:
        with db.transaction() as session:
            return merging.merge_leads(
                session,
                survivor_id=survivor,
                merged_id=merged,
                actor="test",
                reason=MergeReason.MANUAL,
            ).id

    return work


def test_two_merges_of_one_lead_one_wins(fresh_database_url: str) -> None:
    databases = [Database.from_engine(make_engine(fresh_database_url, pool_size=2)) for _ in "ab"]
    try:
        for round_no in range(ROUNDS):
            with databases[0].transaction() as session:
                ids = [
                    capture.run_intake(
                        session, Intake(email=f"p{round_no}.{n}@example.com"), actor="test"
                    )[0].lead_id
                    for n in range(3)
                ]
            first, second, contested = ids
            results = _race(databases, [_merge(first, contested), _merge(second, contested)])
            won = [r for r in results if isinstance(r, int)]
            lost = [r for r in results if isinstance(r, BaseException)]
            assert len(won) == 1, results
            assert len(lost) == 1, results
            assert isinstance(lost[0], NotFound), results
            assert f"Lead {contested} was merged into lead" in lost[0].message
            with databases[0].read() as session:
                merges = session.scalars(
                    select(LeadMerge).where(LeadMerge.merged_id == contested)
                ).all()
                assert [m.id for m in merges] == won
                assert session.get(Lead, contested) is None
    finally:
        for db in databases:
            db.dispose()


def test_an_intake_during_a_merge_finds_the_survivor(fresh_database_url: str) -> None:
    databases = [Database.from_engine(make_engine(fresh_database_url, pool_size=2)) for _ in "ab"]
    try:
        for round_no in range(ROUNDS):
            old, new = f"old{round_no}@example.com", f"new{round_no}@example.com"
            with databases[0].transaction() as session:
                keep = capture.run_intake(session, Intake(email=new), actor="test")[0].lead_id
                other = capture.run_intake(session, Intake(email=old), actor="test")[0].lead_id

            def intake(db: Database, address: str = old) -> object:
                with db.transaction() as session:
                    return capture.run_intake(session, Intake(email=address), actor="test")[0]

            results = _race(databases, [_merge(keep, other), intake])
            assert not any(isinstance(r, BaseException) for r in results), results
            with databases[0].read() as session:
                # one person, no third lead: the intake went to the lead it found (before the
                # merge: the merged lead, whose rows then moved; after: the survivor by alias)
                assert session.get(Lead, other) is None
                assert (
                    session.scalar(
                        select(func.count()).select_from(Lead).where(Lead.email_key.in_([old, new]))
                    )
                    == 1
                )
                touches = session.scalar(
                    select(func.count()).select_from(Touchpoint).where(Touchpoint.lead_id == keep)
                )
                assert touches == 3
    finally:
        for db in databases:
            db.dispose()
