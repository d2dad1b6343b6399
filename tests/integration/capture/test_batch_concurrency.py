"""Batches sharing addresses, sent at once in different orders, neither deadlock nor duplicate:
the batch takes its addresses' locks up front in sorted order."""

from __future__ import annotations

import random
import threading

from sqlalchemy import func, select

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.leads.models import Lead
from leadwerk.storage.engine import Database, make_engine

THREADS = 4
ADDRESSES = [f"shared{i}@example.com" for i in range(60)]


def test_overlapping_batches_make_one_lead_per_address(fresh_database_url: str) -> None:
    databases = [
        Database.from_engine(make_engine(fresh_database_url, pool_size=2)) for _ in range(THREADS)
    ]
    errors: list[BaseException] = []
    answers: list[int] = []
    barrier = threading.Barrier(THREADS)

    def send(db: Database, seed: int) -> None:
        order = ADDRESSES[:]
        random.Random(seed).shuffle(order)
        try:
            barrier.wait(timeout=30)
            with db.transaction() as session:
                results = capture.run_intake_batch(
                    session, [Intake(email=e) for e in order], actor="test"
                )
            answers.append(len(results))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(db, n)) for n, db in enumerate(databases)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        assert answers == [len(ADDRESSES)] * THREADS
        with databases[0].read() as s:
            assert s.scalar(select(func.count()).select_from(Lead)) == len(ADDRESSES)
            assert s.scalar(select(func.count(func.distinct(Lead.email_key)))) == len(ADDRESSES)
    finally:
        for db in databases:
            db.dispose()
