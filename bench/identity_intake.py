"""Benchmark: the match step of an intake (`identity.intake.find_match`) with a million leads,
against the exact email lookup intake did alone before.

What it does, on a scratch database (a SQLite file or a fresh PostgreSQL database):

1. migrates it, loads `--leads` demo leads and runs the duplicate search so a model is stored
   (untimed), then VACUUM ANALYZE on PostgreSQL;
2. prepares `--intakes` normalised intakes: half are existing people again (their name and
   phone, another address), half new people from the demo generator with another seed;
3. times, for each intake in turn, the match step (latest model, candidates by email key or
   alias, phone, name key or sound key, scoring) and, as the baseline, the lookup of the
   oldest lead with the intake's email key, each in its own read transaction on one
   connection;
4. prints one JSON object: p50/p95/p99 of both, and what the matcher decided.

    .venv/bin/python bench/identity_intake.py --database postgresql --leads 1000000
    .venv/bin/python bench/identity_intake.py --quick        # 5,000 leads on SQLite

Benchmarks are not tests: nothing is asserted here.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select

from _common import emit, machine, postgres_version, progress, scratch_database
from leadwerk import schema
from leadwerk.capture import rules
from leadwerk.capture.types import Intake, NormalisedLead
from leadwerk.demo.generator import DemoGenerator, DemoSpec
from leadwerk.demo.loader import load_demo
from leadwerk.identity import duplicates, intake, service
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database

TODAY = date(2025, 6, 1)
QUICK = (5000, 200)


def settle(db: Database, kind: str) -> None:
    if kind == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                "VACUUM (ANALYZE)"
            )


def intakes(db: Database, count: int, seed: int) -> list[NormalisedLead]:
    rng = random.Random(seed)
    with db.read() as session:
        known = session.execute(
            select(Lead.first_name, Lead.last_name, Lead.phone, Lead.company, Lead.country)
            .where(Lead.phone.is_not(None))
            .order_by(Lead.id)
            .limit(count * 20)
        ).all()
    chosen = rng.sample(known, min(count // 2, len(known)))
    raw = [
        Intake(
            email=f"again{n}@example.net",
            first_name=first,
            last_name=last,
            phone=phone,
            company=company,
            country=country,
        )
        for n, (first, last, phone, company, country) in enumerate(chosen)
    ]
    generator = DemoGenerator(DemoSpec(seed=seed + 1, leads=count - len(raw), today=TODAY))
    for batch in generator.batches(generator.synthetic_references(), 5000):
        raw.extend(
            Intake(
                email=lead.email,
                first_name=lead.first_name,
                last_name=lead.last_name,
                phone=lead.phone,
                company=lead.company,
                country=lead.country,
            )
            for lead in batch.leads
        )
    rng.shuffle(raw)
    cleaned = [rules.normalise(i)[0] for i in raw]
    return [c for c in cleaned if c is not None]


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    cut = statistics.quantiles(ordered, n=100)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p95_ms": round(cut[94] * 1000, 3),
        "p99_ms": round(cut[98] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def run(kind: str, leads: int, count: int) -> dict[str, Any]:
    with scratch_database(kind) as url:
        db = Database.from_url(url, pool_size=2)
        try:
            schema.upgrade(db.engine)
            progress(f"{kind}: loading {leads:,} demo leads")
            load_demo(db, leads=leads, seed=1, today=TODAY)
            progress(f"{kind}: duplicate search (stores the model)")
            # review only: the demo leads stay as loaded, so runs compare with earlier ones
            search = duplicates.find_duplicates(
                db, duplicates.SearchPolicy(0.8, 0.99, auto_merge=False)
            )
            settle(db, kind)
            prepared = intakes(db, count, seed=7)
            progress(f"{kind}: timing {len(prepared):,} intakes")
            matched: list[float] = []
            exact: list[float] = []
            decisions: Counter[str] = Counter()
            for clean in prepared:
                values = {name: getattr(clean, name) for name in intake.LEAD_FIELDS}
                with db.read() as session:
                    started = time.perf_counter()
                    found = intake.find_match(
                        session,
                        values,
                        email_key=clean.email_key,
                        phone_key=clean.phone,
                        name_key=clean.name_key,
                        sound_key=clean.sound_key,
                    )
                    matched.append(time.perf_counter() - started)
                with db.read() as session:
                    started = time.perf_counter()
                    service.oldest_with_email_key(session, clean.email_key or "")
                    exact.append(time.perf_counter() - started)
                decisions["none" if found is None else "merge" if found.merge else "review"] += 1
        finally:
            db.dispose()
    ours = percentiles(matched)
    base = percentiles(exact)
    return {
        "benchmark": "identity_intake",
        "database": kind,
        "leads": leads,
        "intakes": len(prepared),
        "match_step": ours,
        "baseline": {"method": "oldest lead with the intake's email key (exact match)", **base},
        "p95_ratio": round(ours["p95_ms"] / base["p95_ms"], 2) if base["p95_ms"] else None,
        "decisions": dict(decisions),
        "model_leads": search.leads,
        "postgres_version": postgres_version() if kind == "postgresql" else None,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--leads", type=int, default=100_000, help="Demo leads there are.")
    parser.add_argument("--intakes", type=int, default=2000, help="Intakes to time.")
    parser.add_argument("--quick", action="store_true", help="5,000 leads, 200 intakes, SQLite.")
    args = parser.parse_args()
    kind, leads, count = (
        ("sqlite", *QUICK) if args.quick else (args.database, args.leads, args.intakes)
    )
    result = run(kind, leads, count)
    result["quick"] = args.quick
    emit(result)


if __name__ == "__main__":
    main()
