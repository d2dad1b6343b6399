"""The scheduler: jobs that run every few minutes in the background of `leadwerk serve` (with
its embedded worker) and of every `leadwerk worker`: consent housekeeping every five minutes
(the one reminder of an unconfirmed double opt-in, and its expiry) and retention once a day.

Several processes may run a scheduler; each job takes a lock of its own for its transaction
(`pg_try_advisory_xact_lock` on PostgreSQL; SQLite's writers run one at a time anyway), so a
job never runs twice at once, and a process that finds it locked skips that round.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from leadwerk.consent import optin, retention
from leadwerk.container import Container
from leadwerk.storage.engine import Database

log = logging.getLogger("leadwerk.scheduler")
_LOCK_SPACE = 4202


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Session], str]  # the work, in one transaction; a line for the log


def _locked(session: Session, name: str) -> bool:
    """Take the job's lock for this transaction; False when another process holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    key = zlib.crc32(name.encode()) & 0x7FFFFFFF
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(_LOCK_SPACE, key))))


class Scheduler:
    def __init__(self, db: Database, jobs: list[Job], *, poll_seconds: float = 5.0) -> None:
        self.db = db
        self.jobs = jobs
        self.poll_seconds = poll_seconds
        self._last: dict[str, float] = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self, *, force: bool = False) -> dict[str, str]:
        """Run every job that is due (every job with `force`); what each reported."""
        done: dict[str, str] = {}
        now = time.monotonic()
        for job in self.jobs:
            last = self._last.get(job.name)
            if not force and last is not None and now - last < job.every_seconds:
                continue
            self._last[job.name] = now
            try:
                with self.db.transaction() as session:
                    if not _locked(session, job.name):
                        done[job.name] = "skipped: running in another process"
                        continue
                    done[job.name] = job.run(session)
                log.debug("%s: %s", job.name, done[job.name])
            except Exception:
                log.exception("scheduled job %s failed; it runs again next time", job.name)
                done[job.name] = "failed"
        return done

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self.run_due()
            self._stopping.wait(self.poll_seconds)


def consent_housekeeping(container: Container) -> Job:
    links = container.consent_links

    def run(session: Session) -> str:
        done = optin.remind_and_expire(session, links)
        return f"{done.reminded} double opt-in reminders sent, {done.expired} requests expired"

    return Job("consent.housekeeping", 300.0, run)


def retention_run(container: Container) -> Job:
    policy = retention.RetentionPolicy.from_settings(container.settings)
    secret = container.settings.secret_key

    def run(session: Session) -> str:
        done = retention.run(session, policy, secret=secret)
        return ", ".join(f"{r.data_class} {r.count}" for r in done if r.days)

    return Job("retention", 24 * 3600.0, run)


def build_scheduler(container: Container) -> Scheduler:
    return Scheduler(container.db, [consent_housekeeping(container), retention_run(container)])
