"""Rows → normalised, staged batches, in this process or in a pool of worker processes.

Normalisation (`capture.rules.normalise`: email-validator, phonenumbers, name casing, quality
flags) and staging (`staging.stage`: grouping by address, lines for the database) are pure
Python and most of an import's Python time (see bench/import_leads.py), so they can run in
worker processes while this one writes the batches before. Chunks come back in file order,
which the resume relies on.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import threading
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

from leadwerk.capture import rules as capture_rules
from leadwerk.capture.imports import rules
from leadwerk.capture.imports.staging import AcceptedRow, StagedBatch, stage
from leadwerk.capture.imports.types import RawRow
from leadwerk.capture.types import Intake
from leadwerk.leads.types import TouchpointType


@dataclass(frozen=True, slots=True)
class Context:
    headers: tuple[str, ...]
    mapping: dict[str, str]
    source: str | None
    import_id: int = 0  # for the touchpoints' properties; a dry run writes none
    consents: bool = False  # stage the rows saying yes (an import with a consent text)
    columns: tuple[rules.MappedColumn, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", rules.mapped_columns(self.headers, self.mapping))


@dataclass(frozen=True, slots=True)
class Chunk:
    """Records `first`..`last` of the data (1-based, empty ones included) and their result."""

    last: int
    read: int  # non-empty records
    staged: StagedBatch
    rejected: list[tuple[RawRow, dict[str, str]]]


def normalise_row(raw: RawRow, context: Context) -> tuple[AcceptedRow | None, dict[str, str]]:
    if raw.error is not None:
        return None, {"row": raw.error}
    prepared = rules.prepare_row(raw.number, context.headers, raw.values, context.columns)
    if prepared.errors:
        return None, prepared.errors
    values = dict(prepared.values)
    if context.source and not values.get("source"):
        values["source"] = context.source
    clean, errors = capture_rules.normalise(Intake(**values, touchpoint_type=TouchpointType.IMPORT))
    if clean is None:
        return None, errors
    return AcceptedRow(raw.number, clean, prepared.marketing_consent), {}


def normalise_chunk(records: Sequence[RawRow], last: int, context: Context) -> Chunk:
    accepted: list[AcceptedRow] = []
    rejected: list[tuple[RawRow, dict[str, str]]] = []
    read = 0
    for raw in records:
        if raw.error is None and rules.is_empty(raw.values):
            continue
        read += 1
        row, problems = normalise_row(raw, context)
        if row is None:
            rejected.append((raw, problems))
        else:
            accepted.append(row)
    return Chunk(
        last, read, stage(accepted, context.import_id, consents=context.consents), rejected
    )


# A worker process's context, set once by the pool's initializer.
_worker_context: list[Context] = []


def _init_worker(context: Context) -> None:
    _worker_context[:] = [context]
    _fewer_collections()  # a worker only ever normalises; for its whole life


# Young objects are collected after this many allocations instead of Python's 700.
_BULK_GC_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_users: list[tuple[int, int, int]] = []  # the thresholds to restore, once per user


def _fewer_collections() -> None:
    """An import allocates millions of short-lived, acyclic objects (rows, tuples, dicts).
    With Python's defaults the cyclic collector's full passes over every long-lived object
    (phonenumbers' metadata, the normalisers' caches, SQLAlchemy) took half of the
    normalisation time (measured: 104 → 60 µs per row). Freeze what exists and collect
    young objects less often; reference counting still frees them at once."""
    with _gc_lock:
        _gc_users.append(gc.get_threshold())
        if len(_gc_users) == 1:
            gc.freeze()
            gc.set_threshold(_BULK_GC_THRESHOLD, 20, 20)


def _usual_collections() -> None:
    with _gc_lock:
        threshold = _gc_users.pop()
        if not _gc_users:
            gc.set_threshold(*threshold)
            gc.unfreeze()


@contextmanager
def bulk_collections() -> Iterator[None]:
    """`_fewer_collections` for the length of the block (imports running side by side in
    threads of one process share it; the last one out restores Python's settings)."""
    _fewer_collections()
    try:
        yield
    finally:
        _usual_collections()


def _in_worker(records: list[RawRow], last: int) -> Chunk:
    return normalise_chunk(records, last, _worker_context[0])


def _chunks(records: Iterator[RawRow], skip: int, size: int) -> Iterator[tuple[list[RawRow], int]]:
    """(records, number of the last one) in chunks of `size`, after skipping `skip`."""
    consumed = 0
    chunk: list[RawRow] = []
    for raw in records:
        consumed += 1
        if consumed <= skip:
            continue
        chunk.append(raw)
        if len(chunk) >= size:
            yield chunk, consumed
            chunk = []
    if chunk:
        yield chunk, consumed


def normalised_chunks(
    records: Iterator[RawRow], context: Context, *, skip: int, size: int, workers: int
) -> Iterator[Chunk]:
    """The file's records after `skip`, normalised, in chunks of `size`, in order."""
    if workers <= 1:
        # (A thread normalising one chunk ahead was measured: no gain, the GIL is the limit.)
        for chunk, last in _chunks(records, skip, size):
            yield normalise_chunk(chunk, last, context)
        return
    # spawn, not fork: the caller may run threads (the UI runs big imports in one).
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(context,),
    )
    pending: deque[Future[Chunk]] = deque()
    try:
        for chunk, last in _chunks(records, skip, size):
            pending.append(pool.submit(_in_worker, chunk, last))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


_DONE = object()


def ahead(chunks: Iterator[Chunk], depth: int = 2) -> Generator[Chunk, None, None]:
    """`chunks`, produced in a thread up to `depth` ahead of the consumer: the file is read
    and chunks are handed to and collected from the workers while the consumer waits for
    the database to write the chunk before (the database driver releases the GIL while it
    waits). An error on either side stops both; the producer's own error is raised here."""
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    break
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)
        else:
            put(_DONE)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # a generator's `finally`: the worker pool shuts down

    producer = threading.Thread(target=produce, name="leadwerk-import-reader", daemon=True)
    producer.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(Chunk, item)
    finally:
        stop.set()
        producer.join()
