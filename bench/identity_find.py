"""Benchmark: `leadwerk duplicates find` over a database of demo leads, against reading them.

What it does, on a scratch database (a SQLite file or a fresh PostgreSQL database):

1. migrates it and loads `--leads` demo leads (`leadwerk.demo`, untimed), then VACUUM ANALYZE
   on PostgreSQL;
2. times the duplicate search end to end, as the command runs it: reading the compared fields
   of every lead, linking them (blocking, comparisons, EM, scores), storing the model and the
   open pairs;
3. baseline in the same run: the same read of every lead's fields alone (the least any
   search over the whole database must do).

The demo's people are all different (no planted duplicates, unique addresses), but its name
pools are small: many namesakes, the hard case for blocking. The pairs found are reported.

    .venv/bin/python bench/identity_find.py --database postgresql --leads 1000000
    .venv/bin/python bench/identity_find.py --quick          # 5,000 leads on SQLite

Benchmarks are not tests: nothing is asserted here.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

from _common import emit, machine, postgres_version, progress, scratch_database
from leadwerk import schema
from leadwerk.demo.loader import load_demo
from leadwerk.identity import duplicates
from leadwerk.storage.engine import Database

QUICK_LEADS = 5000
THRESHOLD = 0.8


def settle(db: Database, kind: str) -> None:
    if kind == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE)"
            )


def run(kind: str, leads: int) -> dict[str, Any]:
    with scratch_database(kind) as url:
        db = Database.from_url(url, pool_size=2)
        try:
            schema.upgrade(db.engine)
            progress(f"{kind}: loading {leads:,} demo leads")
            load_demo(db, leads=leads, seed=1, today=date(2025, 6, 1))
            settle(db, kind)
            progress(f"{kind}: baseline (reading every lead)")
            started = time.perf_counter()
            ids, _ = duplicates.read_leads(db)
            read_seconds = time.perf_counter() - started
            progress(f"{kind}: duplicate search")
            started = time.perf_counter()
            summary = duplicates.find_duplicates(db, threshold=THRESHOLD, progress=progress)
            seconds = time.perf_counter() - started
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
        "threshold": THRESHOLD,
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
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_LEADS:,} leads, SQLite.")
    args = parser.parse_args()
    kind, leads = ("sqlite", QUICK_LEADS) if args.quick else (args.database, args.leads)
    result = run(kind, leads)
    result["quick"] = args.quick
    emit(result)


if __name__ == "__main__":
    main()
