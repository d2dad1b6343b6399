"""Benchmark: `leadwerk duplicates find` over a database of demo leads with planted duplicates,
merging the sure pairs, against reading the leads.

What it does, on a scratch database (a SQLite file or a fresh PostgreSQL database):

1. migrates it, loads `--leads` demo leads (`leadwerk.demo`) and plants `--planted`
   duplicates through the intake pipeline (`leadwerk.demo.duplicates.plant_leads`: an
   existing person again under another address, a third with a typo in the surname, a third
   under a short form of the given name, half of them with the phone); then VACUUM ANALYZE on
   PostgreSQL (all untimed);
2. times the duplicate search end to end, as the command runs it: reading the compared fields
   of every lead, linking them (blocking, comparisons, EM, scores), storing the model and the
   open pairs, merging every pair at or above the merge threshold (each an undoable merge);
3. baseline in the same run: the same read of every lead's fields alone (the least any
   search over the whole database must do);
4. counts what the merges did against what was planted: planted duplicates merged into their
   original (or it into them), merges of two leads that were not planted together, and
   planted pairs offered for review instead.

The demo's people are all different (unique addresses), but its name pools are small: many
namesakes, the hard case for blocking and the test of false merges.

    .venv/bin/python bench/identity_find.py --database postgresql --leads 1000000
    .venv/bin/python bench/identity_find.py --quick          # 5,000 leads on SQLite

Benchmarks are not tests: nothing is asserted here.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

from sqlalchemy import select

from _common import emit, machine, postgres_version, progress, scratch_database
from leadwerk import schema
from leadwerk.demo.duplicates import plant_leads
from leadwerk.demo.loader import load_demo
from leadwerk.identity import duplicates
from leadwerk.identity.models import DuplicatePair, LeadMerge
from leadwerk.identity.types import PairStatus
from leadwerk.storage.engine import Database

QUICK = (5000, 100)
THRESHOLD = 0.8
MERGE_THRESHOLD = 0.99


def settle(db: Database, kind: str) -> None:
    if kind == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE)"
            )


def outcome(db: Database, planted: dict[int, int]) -> dict[str, int]:
    """What the search made of the planted duplicates."""
    pairs = {frozenset(p) for p in planted.items()}
    with db.read() as session:
        merges = session.execute(select(LeadMerge.survivor_id, LeadMerge.merged_id)).all()
        offered = session.execute(
            select(DuplicatePair.left_lead_id, DuplicatePair.right_lead_id).where(
                DuplicatePair.status == PairStatus.OPEN
            )
        ).all()
    merged_pairs = {frozenset(m) for m in merges}
    return {
        "planted": len(planted),
        "planted_merged": len(pairs & merged_pairs),
        "planted_offered": len(pairs & {frozenset(p) for p in offered}),
        "false_merges": len(merged_pairs - pairs),
    }


def run(kind: str, leads: int, count: int) -> dict[str, Any]:
    with scratch_database(kind) as url:
        db = Database.from_url(url, pool_size=2)
        try:
            schema.upgrade(db.engine)
            progress(f"{kind}: loading {leads:,} demo leads")
            load_demo(db, leads=leads, seed=1, today=date(2025, 6, 1))
            progress(f"{kind}: planting {count:,} duplicates")
            planted = plant_leads(db, count, seed=2)
            settle(db, kind)
            progress(f"{kind}: baseline (reading every lead)")
            started = time.perf_counter()
            ids, _ = duplicates.read_leads(db)
            read_seconds = time.perf_counter() - started
            progress(f"{kind}: duplicate search")
            policy = duplicates.SearchPolicy(THRESHOLD, MERGE_THRESHOLD)
            started = time.perf_counter()
            search_id = duplicates.start_search(db, actor="bench")
            summary = duplicates.run_search(db, search_id, policy, progress=progress)
            seconds = time.perf_counter() - started
            found = outcome(db, planted)
        finally:
            db.dispose()
    return {
        "benchmark": "identity_find",
        "database": kind,
        "leads": summary.leads,
        "seconds": round(seconds, 1),
        "steps": {k: round(v, 1) for k, v in summary.seconds.items()},
        "candidate_pairs": summary.candidate_pairs,
        "pairs": summary.pairs,
        "merged": summary.merged,
        **found,
        "threshold": THRESHOLD,
        "merge_threshold": MERGE_THRESHOLD,
        "baseline": {
            "method": "reading the compared fields of every lead (the search's first step)",
            "seconds": round(read_seconds, 1),
            "leads": len(ids),
        },
        "ratio": round(seconds / read_seconds, 1) if read_seconds else None,
        "postgres_version": postgres_version() if kind == "postgresql" else None,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--leads", type=int, default=100_000, help="Demo leads to search.")
    parser.add_argument("--planted", type=int, default=None, help="Duplicates to plant.")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK[0]:,} leads, {QUICK[1]} planted, SQLite."
    )
    args = parser.parse_args()
    if args.quick:
        kind, leads, count = "sqlite", *QUICK
    else:
        kind, leads = args.database, args.leads
        count = args.planted if args.planted is not None else leads // 100
    result = run(kind, leads, count)
    result["quick"] = args.quick
    emit(result)


if __name__ == "__main__":
    main()
