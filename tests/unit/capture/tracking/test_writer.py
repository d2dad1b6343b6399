"""The group-commit writer with a fake write function: batching, waiting, failures, stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest

from leadwerk.capture.tracking.types import TrackedEvent, WriteResult
from leadwerk.capture.tracking.writer import EventWriter, WriterStopped
from tests.factories.tracking import page_views


class FakeStore:
    """Records each committed batch; `fail_when` decides which batches raise."""

    def __init__(self, delay: float = 0.0) -> None:
        self.batches: list[list[TrackedEvent]] = []
        self.delay = delay
        self.lock = threading.Lock()
        self.fail_ids: set[str] = set()

    def write(self, events: Sequence[TrackedEvent]) -> WriteResult:
        time.sleep(self.delay)
        if any(e.anonymous_id in self.fail_ids for e in events):
            raise RuntimeError("disk full")
        with self.lock:
            self.batches.append(list(events))
        return WriteResult(len(events), len({e.anonymous_id for e in events}), 0, 0)

    @property
    def stored(self) -> list[TrackedEvent]:
        return [e for b in self.batches for e in b]


@pytest.mark.parametrize("threads", [1, 2])
def test_concurrent_submissions_are_all_committed_before_their_answer(threads: int) -> None:
    store = FakeStore(delay=0.005)
    writer = EventWriter(store.write, flush_seconds=0.02, batch_size=50, threads=threads)
    writer.start()
    answered_after_commit: list[bool] = []

    def client(n: int) -> None:
        events = page_views(f"visitor-{n:04d}-x", 1 + n % 7)
        writer.write(events, timeout=10)
        with store.lock:
            stored = {id(e) for b in store.batches for e in b}
        answered_after_commit.append(all(id(e) in stored for e in events))

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(client, range(200)))
    writer.stop()
    expected = sum(1 + n % 7 for n in range(200))
    assert len(store.stored) == expected == writer.stats.events
    assert answered_after_commit == [True] * 200
    # Batched: far fewer transactions than requests, none above the batch size.
    assert writer.stats.flushes < 200
    assert writer.stats.largest_batch <= 50


def test_a_full_batch_is_written_without_waiting_for_the_interval() -> None:
    store = FakeStore()
    writer = EventWriter(store.write, flush_seconds=30.0, batch_size=10)
    started = time.monotonic()
    writer.write(page_views("visitor-full-batch", 10), timeout=5)
    assert time.monotonic() - started < 5
    assert [len(b) for b in store.batches] == [10]
    writer.stop()


def test_a_lone_event_waits_at_most_the_flush_interval() -> None:
    store = FakeStore()
    writer = EventWriter(store.write, flush_seconds=0.05, batch_size=500)
    started = time.monotonic()
    writer.write(page_views("visitor-alone-01", 1), timeout=5)
    assert 0.04 <= time.monotonic() - started < 2
    writer.stop()


def test_stop_writes_what_is_waiting_and_refuses_more() -> None:
    store = FakeStore()
    writer = EventWriter(store.write, flush_seconds=60.0, batch_size=1000)
    futures = [writer.submit(page_views(f"visitor-stop-{i:03d}", 3)) for i in range(5)]
    assert store.batches == []
    writer.stop()
    assert all(f.done() and f.exception() is None for f in futures)
    assert len(store.stored) == 15
    with pytest.raises(WriterStopped):
        writer.submit(page_views("visitor-late-01", 1))


def test_one_bad_request_does_not_fail_the_others_of_its_batch() -> None:
    store = FakeStore()
    store.fail_ids = {"visitor-poison-1"}
    writer = EventWriter(store.write, flush_seconds=60.0, batch_size=1000)
    good = writer.submit(page_views("visitor-good-001", 2))
    bad = writer.submit(page_views("visitor-poison-1", 2))
    also_good = writer.submit(page_views("visitor-good-002", 1))
    writer.stop()
    assert good.exception() is None
    assert also_good.exception() is None
    assert isinstance(bad.exception(), RuntimeError)
    assert sorted(e.anonymous_id for e in store.stored) == [
        "visitor-good-001",
        "visitor-good-001",
        "visitor-good-002",
    ]
    assert writer.stats.failed_submissions == 1


def test_empty_submission_and_stop_without_start() -> None:
    writer = EventWriter(FakeStore().write)
    assert writer.submit([]).result(0) is None
    writer.stop()
    assert not writer.running
    with pytest.raises(ValueError, match="batch_size"):
        EventWriter(FakeStore().write, batch_size=0)
    with pytest.raises(ValueError, match="threads"):
        EventWriter(FakeStore().write, threads=0)
