"""Concurrent first uses of one Idempotency-Key: one intake is kept, every caller gets the
same answer."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadwerk.auth import service as auth
from leadwerk.capture import idempotency
from leadwerk.capture import service as capture
from leadwerk.capture.models import IdempotencyKey
from leadwerk.capture.types import Intake
from leadwerk.leads.models import Touchpoint
from leadwerk.storage.engine import Database, make_engine

THREADS = 8


def test_one_answer_for_concurrent_first_uses(fresh_database_url: str) -> None:
    setup = Database.from_url(fresh_database_url, pool_size=1)
    with setup.transaction() as s:
        key_id = auth.create_api_key(s, name="k", scopes=["leads:write"], actor="t").id
    setup.dispose()
    databases = [
        Database.from_engine(make_engine(fresh_database_url, pool_size=2)) for _ in range(THREADS)
    ]
    barrier = threading.Barrier(THREADS)
    answers: list[idempotency.Answer] = []
    errors: list[BaseException] = []

    def work(session: Session) -> idempotency.Answer:
        result, _ = capture.run_intake(session, Intake(email="same@example.com"), actor="t")
        return idempotency.Answer(201 if result.created else 200, {"id": result.lead_id})

    def call(db: Database) -> None:
        try:
            barrier.wait(timeout=30)
            answers.append(
                idempotency.run_once(
                    db, api_key_id=key_id, key="k1", body={"email": "same@example.com"}, work=work
                )
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(db,)) for db in databases]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert len({(a.status_code, a.body["id"]) for a in answers}) == 1
        assert sum(not a.replayed for a in answers) == 1
        with databases[0].read() as s:
            assert s.scalar(select(func.count()).select_from(IdempotencyKey)) == 1
            assert s.scalar(select(func.count()).select_from(Touchpoint)) == 1
    finally:
        for db in databases:
            db.dispose()
