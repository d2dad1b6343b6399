"""The group-commit writer: many requests' events, one transaction.

Request handlers `submit` their validated events and wait on the returned future; one thread
per process collects submissions and writes them together as soon as `batch_size` events are
waiting or the oldest has waited `flush_seconds`, and, under load, right after the previous
write for everything that came in while it ran (group commit: the busier, the bigger the
batches, without a timer added to every request). The future completes only after the commit,
so an event answered with 202 is on disk: a crash after the answer cannot lose it. `stop`
writes everything still waiting before it returns.

If a whole batch fails, each submission is tried once more on its own, so one request's bad
data cannot fail the others; a submission that fails alone gets the error.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from leadwerk.capture.tracking import service
from leadwerk.capture.tracking.types import TrackedEvent, WriteResult
from leadwerk.errors import DomainError
from leadwerk.storage.engine import Database

log = logging.getLogger("leadwerk.tracking.writer")

Write = Callable[[Sequence[TrackedEvent]], WriteResult]


class WriterStopped(DomainError):
    """The process is shutting down and takes no more events."""

    def __init__(self) -> None:
        super().__init__("Tracking is shutting down; send the events again in a moment.")


@dataclass
class _Submission:
    events: Sequence[TrackedEvent]
    future: Future[None]
    at: float


@dataclass
class WriterStats:
    flushes: int = 0
    events: int = 0
    failed_submissions: int = 0
    largest_batch: int = 0
    write_seconds: float = 0.0  # time spent in committed writes
    batch_sizes: list[int] = field(default_factory=list)  # the last few, for the UI and tests


class EventWriter:
    def __init__(
        self,
        write: Write,
        *,
        flush_seconds: float = 0.05,
        batch_size: int = 500,
        threads: int = 1,
        name: str = "tracking-writer",
    ) -> None:
        if flush_seconds < 0 or batch_size < 1 or threads < 1:
            raise ValueError("flush_seconds must be >= 0, batch_size and threads >= 1")
        self.threads = threads
        self._write = write
        self.flush_seconds = flush_seconds
        self.batch_size = batch_size
        self._name = name
        self._cond = threading.Condition()
        self._pending: list[_Submission] = []
        self._pending_events = 0
        self._state = "new"  # new → running → stopping → stopped
        self._threads: list[threading.Thread] = []
        self._last_flush_end = 0.0  # monotonic time the latest write ended
        self._stats_lock = threading.Lock()
        self.stats = WriterStats()

    @classmethod
    def for_database(
        cls, db: Database, *, flush_seconds: float = 0.05, batch_size: int = 500, threads: int = 1
    ) -> EventWriter:
        def write(events: Sequence[TrackedEvent]) -> WriteResult:
            with db.transaction() as session:
                return service.write_batch(session, events)

        return cls(write, flush_seconds=flush_seconds, batch_size=batch_size, threads=threads)

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        with self._cond:
            if self._state == "new":
                self._start_locked()

    def _start_locked(self) -> None:
        self._state = "running"
        # A daemon: a writer nobody stopped must not keep the interpreter alive. Events still
        # waiting then were never answered, so no accepted event is lost.
        # More than one thread lets a batch be prepared while another waits on the database.
        for n in range(self.threads):
            thread = threading.Thread(target=self._run, name=f"{self._name}-{n}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Write what is waiting, then end the thread; later submissions raise WriterStopped."""
        with self._cond:
            if self._state == "new":
                self._state = "stopped"
                return
            if self._state == "running":
                self._state = "stopping"
                self._cond.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)
        with self._cond:
            self._state = "stopped"

    @property
    def running(self) -> bool:
        return self._state == "running"

    # --- the request side ---------------------------------------------------------------------

    def submit(self, events: Sequence[TrackedEvent]) -> Future[None]:
        """Queue the events; the future completes once they are committed (or failed)."""
        future: Future[None] = Future()
        if not events:
            future.set_result(None)
            return future
        with self._cond:
            if self._state in ("stopping", "stopped"):
                raise WriterStopped()
            if self._state == "new":
                self._start_locked()
            self._pending.append(_Submission(events, future, time.monotonic()))
            self._pending_events += len(events)
            if self._pending_events >= self.batch_size or len(self._pending) == 1:
                self._cond.notify()
        return future

    def write(self, events: Sequence[TrackedEvent], timeout: float | None = 30.0) -> None:
        """Submit and wait: for callers on a thread of their own (CLI, tests)."""
        self.submit(events).result(timeout)

    # --- the writer thread --------------------------------------------------------------------

    def _next_batch(self) -> list[_Submission] | None:
        """Wait until a batch is due; None when stopping and nothing is left."""
        with self._cond:
            while True:
                if self._pending:
                    if (
                        self._state != "running"
                        or self._pending_events >= self.batch_size
                        # Came in while a write was running: it waited for a batch already.
                        or self._pending[0].at <= self._last_flush_end
                    ):
                        break
                    wait = self._pending[0].at + self.flush_seconds - time.monotonic()
                    if wait <= 0:
                        break
                    self._cond.wait(wait)
                elif self._state != "running":
                    return None
                else:
                    self._cond.wait()
            taken: list[_Submission] = []
            count = 0
            while self._pending and (
                not taken or count + len(self._pending[0].events) <= self.batch_size
            ):
                sub = self._pending.pop(0)
                taken.append(sub)
                count += len(sub.events)
            self._pending_events -= count
            return taken

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            if batch is None:
                return
            self._flush(batch)
            with self._cond:
                self._last_flush_end = time.monotonic()

    def _flush(self, batch: list[_Submission]) -> None:
        events = [ev for sub in batch for ev in sub.events]
        started = time.perf_counter()
        try:
            self._write(events)
            with self._stats_lock:
                self.stats.write_seconds += time.perf_counter() - started
        except Exception as exc:
            if len(batch) == 1:
                self._fail(batch[0], exc)
                return
            log.warning("tracking batch of %d events failed, retrying per request", len(events))
            for sub in batch:
                try:
                    self._write(sub.events)
                except Exception as sub_exc:
                    self._fail(sub, sub_exc)
                else:
                    self._done([sub], len(sub.events))
            return
        self._done(batch, len(events))

    def _done(self, batch: list[_Submission], count: int) -> None:
        with self._stats_lock:
            stats = self.stats
            stats.flushes += 1
            stats.events += count
            stats.largest_batch = max(stats.largest_batch, count)
            stats.batch_sizes = [*stats.batch_sizes[-99:], count]
        for sub in batch:
            if not sub.future.done():
                sub.future.set_result(None)

    def _fail(self, sub: _Submission, exc: Exception) -> None:
        with self._stats_lock:
            self.stats.failed_submissions += 1
        log.error("tracking events not stored: %r", exc)
        if not sub.future.done():
            sub.future.set_exception(exc)
