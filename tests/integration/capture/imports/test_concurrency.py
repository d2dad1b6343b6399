"""An import and API intakes of the same new addresses at the same time: one lead per
address, never two (an import batch takes the bulk lock every intake takes in shared mode on
PostgreSQL; SQLite runs one writer at a time). And a batch of more new addresses than
PostgreSQL's lock table holds."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from leadwerk.capture import service as capture
from leadwerk.capture.imports import service
from leadwerk.capture.imports.types import LawfulBasis
from leadwerk.capture.types import Intake
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.engine import Database, make_engine
from tests.factories.imports import people_csv

ADDRESSES = 300
API_THREADS = 3


def test_import_and_api_intake_of_the_same_addresses(
    fresh_database_url: str, tmp_path: Path
) -> None:
    path = people_csv(tmp_path / "same.csv", ADDRESSES, domain="race.example")
    importer = Database.from_engine(make_engine(fresh_database_url, pool_size=2))
    clients = [
        Database.from_engine(make_engine(fresh_database_url, pool_size=2))
        for _ in range(API_THREADS)
    ]
    errors: list[BaseException] = []
    start = threading.Barrier(API_THREADS + 1)

    def run_import() -> None:
        try:
            plan = service.plan_import(path)
            options = service.ImportOptions(LawfulBasis.CONTRACT, "customer list")
            start.wait(timeout=30)
            service.run_import(importer, plan, options, actor="test", batch_size=25)
        except BaseException as exc:
            errors.append(exc)

    def run_api(db: Database, offset: int) -> None:
        try:
            start.wait(timeout=30)
            for n in range(1 + offset, ADDRESSES + 1, API_THREADS):
                with db.transaction() as session:
                    capture.run_intake(
                        session, Intake(email=f"person{n}@race.example"), actor="api"
                    )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run_import)] + [
        threading.Thread(target=run_api, args=(db, i)) for i, db in enumerate(clients)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert errors == []
        with importer.read() as session:
            per_address = dict(
                session.execute(select(Lead.email_key, func.count()).group_by(Lead.email_key)).all()
            )
            touchpoints = session.scalar(select(func.count()).select_from(Touchpoint))
        assert per_address == {f"person{n}@race.example": 1 for n in range(1, ADDRESSES + 1)}
        assert touchpoints == 2 * ADDRESSES  # one from the import, one from the API, each
    finally:
        importer.dispose()
        for db in clients:
            db.dispose()


def test_a_batch_of_more_new_addresses_than_the_lock_table_holds(
    fresh_database_url: str, tmp_path: Path
) -> None:
    """One lock-table entry per new address (about 6,400 fit with PostgreSQL's defaults) made
    a large batch fail with 'out of shared memory'; the bulk lock is one entry."""
    rows = 15_000
    path = people_csv(tmp_path / "many.csv", rows, domain="many.example")
    db = Database.from_engine(make_engine(fresh_database_url, pool_size=2))
    try:
        plan = service.plan_import(path)
        options = service.ImportOptions(LawfulBasis.CONTRACT, "customer list")
        summary = service.run_import(db, plan, options, actor="test", batch_size=rows)
        assert (summary.counts.rows, summary.counts.created) == (rows, rows)
    finally:
        db.dispose()
