"""Concurrent intakes of one new address create one lead, never two: the advisory lock on
PostgreSQL, BEGIN IMMEDIATE (and the writer lock) on SQLite."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.storage.engine import Database, make_engine

THREADS = 16
ROUNDS = 3


def test_one_lead_per_address_under_concurrency(fresh_database_url: str) -> None:
    # Each thread gets its own Database (own engine) so SQLite's in-process writer lock does
    # not hide the race: this exercises the database-level guarantees.
    databases = [
        Database.from_engine(make_engine(fresh_database_url, pool_size=2)) for _ in range(THREADS)
    ]
    errors: list[BaseException] = []
    try:
        for round_no in range(ROUNDS):
            barrier = threading.Barrier(THREADS)
            email = f"same{round_no}@example.com"

            def intake(
                db: Database, n: int, email: str = email, barrier: threading.Barrier = barrier
            ) -> None:
                try:
                    barrier.wait(timeout=30)
                    with db.transaction() as session:
                        capture.run_intake(
                            session, Intake(email=email, first_name=f"N{n}"), actor="test"
                        )
                except BaseException as exc:
                    errors.append(exc)

            threads = [
                threading.Thread(target=intake, args=(db, n)) for n, db in enumerate(databases)
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
        assert errors == []
        with databases[0].read() as s:
            per_email = dict(s.execute(select(Lead.email, func.count()).group_by(Lead.email)).all())
            touchpoints = s.scalar(select(func.count()).select_from(Touchpoint))
        assert per_email == {f"same{r}@example.com": 1 for r in range(ROUNDS)}
        assert touchpoints == THREADS * ROUNDS
    finally:
        for db in databases:
            db.dispose()
