"""The group-commit writer against a real database: many threads, exact counts, stop."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from leadwerk.capture.tracking.models import TrackingEvent, Visitor
from leadwerk.capture.tracking.writer import EventWriter
from leadwerk.storage.engine import Database
from tests.factories.tracking import page_views

CLIENTS = 12
REQUESTS = 60


def test_threads_submitting_at_once_lose_nothing(fresh_database_url: str) -> None:
    db = Database.from_url(fresh_database_url, pool_size=2)
    writer = EventWriter.for_database(db, flush_seconds=0.02, batch_size=100)
    writer.start()

    def client(n: int) -> int:
        # Visitors repeat across requests, so the upsert meets known visitors too.
        events = page_views(f"visitor-db-{n % 25:04d}", 1 + n % 20)
        writer.write(events, timeout=60)
        return len(events)

    try:
        with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
            sent = sum(pool.map(client, range(REQUESTS)))
        # Submitted but not yet due: stop() must still write them.
        late = [writer.submit(page_views("visitor-db-late", 3)) for _ in range(4)]
        writer.stop()
        assert all(f.exception() is None for f in late)
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(TrackingEvent)) == sent + 12
            assert s.scalar(select(func.count()).select_from(Visitor)) == 26
        assert sent == sum(1 + n % 20 for n in range(REQUESTS))
        assert writer.stats.events == sent + 12
        assert writer.stats.flushes < REQUESTS + 4
        assert writer.stats.failed_submissions == 0
    finally:
        writer.stop()
        db.dispose()
