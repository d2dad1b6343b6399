"""Benchmark: `leadwerk import leads` of a CSV file against PostgreSQL's COPY of the same file.

What it does, on a scratch database (a SQLite file or a fresh PostgreSQL database):

1. migrates it and loads `--existing` demo leads (`leadwerk.demo`, as bench/demo_load.py),
   then VACUUM ANALYZE on PostgreSQL (untimed: a database in use is vacuumed);
2. writes a realistic German CSV (semicolons, `Vorname;Nachname;E-Mail;…`) of `--rows` rows:
   `--match` of them (default half) are existing leads again (same address, some values
   changed), the rest new people from the demo generator with another seed; phone numbers
   a third each as stored (E.164), in international and in national form;
3. times the import end to end, in process: reading, detection, hashing, normalisation,
   identity lookup, writes, progress commits (what `leadwerk import leads FILE` runs);
4. baseline in the same run (PostgreSQL): COPY of the same file into a bare table of text
   columns without indexes, in one transaction;
5. prints one JSON object: counts, seconds, rows/s, the baseline and the ratio.

    .venv/bin/python bench/import_leads.py --database postgresql --rows 1000000 --existing 1000000
    .venv/bin/python bench/import_leads.py --quick          # 5,000 into 5,000 on SQLite
    .venv/bin/python bench/import_leads.py --database postgresql --consent-text sales_contact

Benchmarks are not tests: nothing is asserted here.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import pstats
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import text

from _common import emit, machine, postgres_version, progress, scratch_database
from leadwerk import schema
from leadwerk.capture.imports import service
from leadwerk.capture.imports.types import LawfulBasis
from leadwerk.consent import service as consent
from leadwerk.consent.types import ConsentLinks
from leadwerk.demo.generator import DemoGenerator, DemoSpec
from leadwerk.demo.loader import load_demo
from leadwerk.storage.engine import Database

TODAY = date(2025, 6, 1)
LINKS = ConsentLinks(base_url="https://leads.example.de", secret_key="bench-" * 8)
QUICK_ROWS = 5000
HEADER = (
    "Vorname",
    "Nachname",
    "E-Mail",
    "Telefon",
    "Firma",
    "Position",
    "Land",
    "Quelle",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "Einwilligung",
    "Umsatz",
)
COUNTRY_NAMES = {"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz"}


# How a file writes a phone number: as stored (E.164), in international and in national form.
_PHONE_FORMATS = (
    None,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
)


def _as_written(phone: str | None, rng: random.Random) -> str:
    """The number in one of the three forms a German export has ("+4917612345678",
    "+49 176 12345678", "0176 12345678"), a third each."""
    form = rng.choice(_PHONE_FORMATS)
    if not phone or form is None:
        return phone or ""
    return phonenumbers.format_number(phonenumbers.parse(phone), form)


def _new_people(count: int, seed: int) -> list[list[Any]]:
    generator = DemoGenerator(DemoSpec(seed=seed, leads=count, today=TODAY))
    rng = random.Random(seed)
    rows: list[list[Any]] = []
    for batch in generator.batches(generator.synthetic_references(), 5000):
        for lead in batch.leads:
            rows.append(
                [
                    lead.first_name,
                    lead.last_name,
                    lead.email,
                    _as_written(lead.phone, rng),
                    lead.company or "",
                    lead.job_title or "",
                    COUNTRY_NAMES.get(lead.country, lead.country),
                    lead.source,
                    lead.utm_source or "",
                    lead.utm_medium or "",
                    lead.utm_campaign or "",
                ]
            )
    return rows


def write_csv(db: Database, path: Path, rows: int, match: float, seed: int) -> int:
    """The file to import; returns how many rows name an existing lead."""
    matching = int(rows * match)
    rng = random.Random(seed)
    with db.read() as session:
        known = session.execute(
            text(
                "SELECT first_name, last_name, email, phone, company, job_title, country "
                "FROM leads ORDER BY id LIMIT :n"
            ),
            {"n": matching},
        ).all()
    people = _new_people(rows - len(known), seed + 1000)
    lines: list[list[Any]] = []
    for first, last, email, phone, company, job, country in known:
        lines.append(
            [
                first,
                last,
                email.upper() if rng.random() < 0.1 else email,
                _as_written(phone, rng),
                company or "",
                rng.choice(["Einkauf", job or "", "Head of Sales"]),
                COUNTRY_NAMES.get(country, country or ""),
                "Messe",
                "",
                "",
                "",
            ]
        )
    lines.extend(people)
    rng.shuffle(lines)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADER)
        for line in lines:
            consent = rng.choice(["ja", "nein", ""])
            revenue = f"{rng.randint(1, 999)}.{rng.randint(100, 999)},{rng.randint(0, 99):02d}"
            writer.writerow([*line, consent, revenue])
    return len(known)


def settle(db: Database, kind: str) -> None:
    """VACUUM ANALYZE after the load, untimed: a database in use has long been vacuumed, and
    the autovacuum a fresh million rows set off would otherwise run during the import."""
    if kind != "postgresql":
        return
    with db.engine.connect() as connection:
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        connection.execute(text("VACUUM (ANALYZE)"))


def copy_baseline(db: Database, path: Path) -> float:
    """COPY of the same file into a bare table (text columns, no indexes), one transaction."""
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with db.transaction() as session:
        session.execute(text(f"CREATE TABLE bench_import_copy ({columns})"))
    started = time.perf_counter()
    with db.transaction() as session:
        raw = session.connection().connection.driver_connection
        assert raw is not None
        sql = "COPY bench_import_copy FROM STDIN WITH (FORMAT csv, HEADER true, DELIMITER ';')"
        with raw.cursor() as cursor, cursor.copy(sql) as copy, path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    return time.perf_counter() - started


def _text_id(db: Database, purpose: str | None) -> int | None:
    """The German text of the purpose, for `--consent-text`: the rows saying yes (a third of
    the file) are recorded in the ledger with it."""
    if purpose is None:
        return None
    with db.read() as session:
        return consent.current_text(session, consent.get_purpose(session, purpose), "de").id


def run(
    kind: str,
    rows: int,
    existing: int,
    match: float,
    batch_size: int,
    workers: int,
    profile: bool,
    consent_purpose: str | None = None,
) -> dict[str, Any]:
    with scratch_database(kind) as url, tempfile.TemporaryDirectory() as folder:
        db = Database.from_url(url, pool_size=2)
        try:
            schema.upgrade(db.engine)
            progress(f"{kind}: loading {existing:,} existing demo leads")
            started = time.perf_counter()
            load_demo(db, leads=existing, seed=1, today=TODAY)
            load_seconds = time.perf_counter() - started
            settle(db, kind)
            path = Path(folder) / "leads.csv"
            progress(f"{kind}: writing {rows:,} rows to import")
            matching = write_csv(db, path, rows, match, seed=7)
            progress(f"{kind}: importing ({path.stat().st_size / 1e6:.1f} MB)")
            profiler = cProfile.Profile() if profile else None
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            plan = service.plan_import(path)
            options = service.check_options(
                LawfulBasis.CONSENT, "benchmark", None, _text_id(db, consent_purpose)
            )
            summary = service.run_import(
                db,
                plan,
                options,
                actor="bench",
                batch_size=batch_size,
                workers=service.workers_for(plan, workers),
                links=LINKS,
            )
            seconds = time.perf_counter() - started
            if profiler:
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
                progress(out.getvalue())
            progress(f"{kind}: imported in {seconds:.1f} s; baseline next")
            with db.read() as session:
                ledger = session.scalar(text("SELECT count(*) FROM consent_events"))
            base = copy_baseline(db, path) if kind == "postgresql" else None
        finally:
            db.dispose()
    counts = summary.counts
    return {
        "benchmark": "import_leads",
        "database": kind,
        "rows": counts.rows,
        "existing": existing,
        "rows_matching_existing": matching,
        "created": counts.created,
        "updated": counts.updated,
        "merged": counts.merged,
        "rejected": counts.rejected,
        "seconds": round(seconds, 3),
        "rows_per_second": round(counts.rows / seconds, 1),
        "existing_load_seconds": round(load_seconds, 1),
        "baseline": None
        if base is None
        else {
            "method": "COPY of the same CSV file into a bare table of text columns "
            "(no indexes, no constraints), one transaction",
            "seconds": round(base, 3),
            "rows_per_second": round(counts.rows / base, 1),
        },
        "ratio": None if base is None else round(seconds / base, 2),
        "consent_purpose": consent_purpose,
        "consent_events": ledger,
        "batch_size": batch_size,
        "workers": workers,
        "postgres_version": postgres_version() if kind == "postgresql" else None,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000, help="Rows in the file.")
    parser.add_argument("--existing", type=int, default=100_000, help="Leads there already.")
    parser.add_argument(
        "--match", type=float, default=0.5, help="Share of rows naming an existing lead."
    )
    parser.add_argument("--batch-size", type=int, default=service.DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--workers", type=int, default=2, help="Normalising processes (1: none, all in process)."
    )
    parser.add_argument(
        "--consent-text",
        metavar="PURPOSE",
        help="Import with the purpose's German text as the consent text (as --consent-text).",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the import (stderr).")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK_ROWS:,} rows into {QUICK_ROWS:,} leads."
    )
    args = parser.parse_args()
    rows, existing = (QUICK_ROWS, QUICK_ROWS) if args.quick else (args.rows, args.existing)
    result = run(
        args.database,
        rows,
        existing,
        args.match,
        args.batch_size,
        args.workers,
        args.profile,
        args.consent_text,
    )
    result["quick"] = args.quick
    emit(result)


if __name__ == "__main__":
    main()
