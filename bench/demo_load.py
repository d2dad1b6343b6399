"""Benchmark: `load_demo` against a bare bulk insert of the same rows, measured in one run.

What it does, on a scratch database (a SQLite file or a fresh PostgreSQL database):

1. migrates it and runs `load_demo` for N leads (generation, staff, campaigns, spend, leads,
   accounts, touchpoints and stage history, indexes and foreign keys as in production);
2. baseline: creates plain copies of the four bulk tables (same columns, no indexes, no
   constraints), generates the same rows again with the clock stopped, converts them to what
   the driver takes, and times only the bare insert: COPY on PostgreSQL, executemany on SQLite;
3. prints one JSON object on stdout: counts, seconds, leads/s and rows/s of the load, the
   baseline's seconds for the lead rows alone and for all rows, the time the generator takes,
   and ratio = load seconds / baseline seconds.

    .venv/bin/python bench/demo_load.py --database postgresql --leads 1000000
    .venv/bin/python bench/demo_load.py --quick            # SQLite, 3,000 leads, seconds

Benchmarks are not tests: nothing is asserted here.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from _common import emit, machine, postgres_version, progress, scratch_database
from leadwerk import schema
from leadwerk.demo.bulk import (
    ACCOUNTS,
    LEADS,
    STAGE_CHANGES,
    TOUCHPOINTS,
    Target,
    sqlite_time,
)
from leadwerk.demo.generator import DemoGenerator, DemoSpec
from leadwerk.demo.loader import DemoSummary, load_demo
from leadwerk.storage.bulk import json_text
from leadwerk.storage.engine import Database

TODAY = date(2025, 6, 1)  # fixed, so every run makes the same data
QUICK_LEADS = 3000
TARGETS = (ACCOUNTS, LEADS, TOUCHPOINTS, STAGE_CHANGES)


def _bench_table(target: Target) -> str:
    return f"bench_{target.name}"


def _create_plain_tables(session: Session, dialect: str) -> None:
    for target in TARGETS:
        name = _bench_table(target)
        if dialect == "postgresql":
            session.execute(text(f"CREATE TABLE {name} (LIKE {target.name} INCLUDING DEFAULTS)"))
        else:
            session.execute(text(f"CREATE TABLE {name} AS SELECT * FROM {target.name} WHERE 0"))


def _prepared(
    target: Target, rows: Sequence[tuple[Any, ...]], dialect: str
) -> list[tuple[Any, ...]]:
    """Rows as the driver takes them: JSON as text, and on SQLite times as text too."""
    out = []
    for row in rows:
        values = list(row)
        for i in target.documents:
            values[i] = json_text(values[i])
        if dialect == "sqlite":
            for i in target.times:
                values[i] = sqlite_time(values[i])
        out.append(tuple(values))
    return out


def _bare_insert(
    session: Session, target: Target, rows: list[tuple[Any, ...]], dialect: str
) -> None:
    name = _bench_table(target)
    columns = ", ".join(target.columns)
    if dialect == "postgresql":
        raw = session.connection().connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in target.columns)
        session.connection().exec_driver_sql(
            f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows
        )


def baseline(db: Database, spec: DemoSpec, batch_size: int) -> dict[str, float]:
    """Seconds of the bare insert of the same rows, all of them and the lead rows alone; and
    the seconds the generator takes to make them."""
    generator = DemoGenerator(spec)
    refs = generator.synthetic_references()
    per_table = {target.name: 0.0 for target in TARGETS}
    generating = 0.0
    with db.transaction() as session:
        _create_plain_tables(session, db.dialect)
    with db.transaction() as session:
        batches = generator.batches(refs, batch_size)
        while True:
            started = time.perf_counter()
            batch = next(batches, None)
            generating += time.perf_counter() - started
            if batch is None:
                break
            for target, rows in zip(TARGETS, batch, strict=True):
                prepared = _prepared(target, rows, db.dialect)
                started = time.perf_counter()
                if prepared:
                    _bare_insert(session, target, prepared, db.dialect)
                per_table[target.name] += time.perf_counter() - started
        started = time.perf_counter()
    commit = time.perf_counter() - started  # the commit happens as the block ends
    return {
        "seconds": sum(per_table.values()) + commit,
        "leads_seconds": per_table[LEADS.name],
        "generation_seconds": generating,
    }


def run(kind: str, leads: int, seed: int, batch_size: int) -> dict[str, Any]:
    with scratch_database(kind) as url:
        db = Database.from_url(url, pool_size=2)
        try:
            schema.upgrade(db.engine)
            progress(f"{kind}: loading {leads:,} demo leads")

            def report(done: int, total: int) -> None:
                if done == total or done % (batch_size * 20) == 0:
                    progress(f"{kind}: {done:,}/{total:,} leads")

            summary: DemoSummary = load_demo(
                db, leads=leads, seed=seed, today=TODAY, batch_size=batch_size, progress=report
            )
            progress(f"{kind}: loaded in {summary.seconds:.1f} s; baseline next")
            spec = DemoSpec(seed=seed, leads=leads, today=TODAY)
            base = baseline(db, spec, batch_size)
        finally:
            db.dispose()
    rows = summary.rows
    return {
        "benchmark": "demo_load",
        "database": kind,
        "leads": summary.leads,
        "accounts": summary.accounts,
        "touchpoints": summary.touchpoints,
        "stage_changes": summary.stage_changes,
        "rows": rows,
        "seconds": round(summary.seconds, 3),
        "leads_per_second": round(summary.leads_per_second, 1),
        "rows_per_second": round(rows / summary.seconds, 1),
        "generation_seconds": round(base["generation_seconds"], 3),
        "baseline": {
            "method": ("COPY" if kind == "postgresql" else "executemany")
            + " of the same rows, generated and converted beforehand, into plain tables "
            "without indexes or constraints, one transaction",
            "seconds": round(base["seconds"], 3),
            "leads_seconds": round(base["leads_seconds"], 3),
            "rows_per_second": round(rows / base["seconds"], 1),
        },
        "ratio": round(summary.seconds / base["seconds"], 2),
        "ratio_leads": round(summary.seconds / base["leads_seconds"], 2),
        "batch_size": batch_size,
        "seed": seed,
        "postgres_version": postgres_version() if kind == "postgresql" else None,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="Where to load: a SQLite file or a fresh PostgreSQL database.",
    )
    parser.add_argument("--leads", type=int, default=100_000, help="How many demo leads.")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_LEADS:,} leads: a smoke run that takes seconds.",
    )
    parser.add_argument("--seed", type=int, default=1, help="Seed of the demo data.")
    parser.add_argument("--batch-size", type=int, default=5000, help="Leads per batch.")
    args = parser.parse_args()
    leads = QUICK_LEADS if args.quick else args.leads
    result = run(args.database, leads, args.seed, args.batch_size)
    result["quick"] = args.quick
    emit(result)


if __name__ == "__main__":
    main()
