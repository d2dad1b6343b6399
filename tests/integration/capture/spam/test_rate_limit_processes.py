"""The rate limit holds across server processes: four OS processes (spawned, so nothing is
shared but the database) hammer one bucket on a fresh database, SQLite file and PostgreSQL,
and exactly `limit` hits get through."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from datetime import UTC, datetime
from multiprocessing.pool import Pool

import pytest
from sqlalchemy import select

from leadwerk.capture.spam.models import RateLimit
from leadwerk.storage.engine import Database
from tests.integration.capture.spam import hammer

PROCESSES = 4
HITS = 8
LIMIT = 19  # not a multiple of HITS, so no process can simply get "its share"
NOW = datetime(2026, 11, 22, 10, 0, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    """Four processes for both backends: spawning and importing is the slow part."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(PROCESSES)
    with ctx.Pool(PROCESSES, initializer=hammer.init, initargs=(start,)) as workers:
        yield workers


def test_exactly_limit_hits_pass_across_processes(fresh_database_url: str, pool: Pool) -> None:
    task = (fresh_database_url, "form:kontakt", LIMIT, HITS, NOW)
    reports = pool.starmap(hammer.hammer, [task] * PROCESSES, chunksize=1)
    assert len({pid for pid, _allowed, _hits in reports}) == PROCESSES  # really 4 processes
    assert sum(hits for _pid, _allowed, hits in reports) == PROCESSES * HITS
    assert sum(allowed for _pid, allowed, _hits in reports) == LIMIT
    db = Database.from_url(fresh_database_url, pool_size=1)
    try:
        with db.read() as s:
            assert s.execute(select(RateLimit.bucket, RateLimit.count)).all() == [
                ("form:kontakt", PROCESSES * HITS)
            ]
    finally:
        db.dispose()
