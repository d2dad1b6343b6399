"""Worker processes for test_rate_limit_processes: each hits one bucket many times, every hit
in its own committed transaction, and reports how many were allowed."""

from __future__ import annotations

import os
from datetime import datetime
from threading import Barrier

from leadwerk.capture.spam.service import hit_rate_limit
from leadwerk.storage.engine import Database

_start: Barrier | None = None


def init(start: Barrier) -> None:
    """Pool initializer: the barrier all workers of one round wait on before they begin."""
    global _start
    _start = start


def hammer(url: str, bucket: str, limit: int, hits: int, now: datetime) -> tuple[int, int, int]:
    """(process id, hits allowed, hits made)."""
    assert _start is not None
    db = Database.from_url(url, pool_size=1)
    try:
        with db.read() as s:  # connect first, so the round starts together
            s.connection()
        _start.wait(timeout=60)
        allowed = 0
        for _ in range(hits):
            with db.transaction() as s:
                if not hit_rate_limit(s, bucket, limit, 60, now):
                    allowed += 1
        return os.getpid(), allowed, hits
    finally:
        db.dispose()
