from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import closing

import pytest

from leadwerk.capture.imports import normalising, staging


def test_bulk_collections_restore_pythons_settings_after_the_last_import() -> None:
    before = gc.get_threshold()
    first, second = normalising.bulk_collections(), normalising.bulk_collections()
    first.__enter__()
    assert gc.get_threshold()[0] == normalising._BULK_GC_THRESHOLD
    assert gc.get_freeze_count() > 0
    second.__enter__()
    first.__exit__(None, None, None)  # the first import ends while the second still runs
    assert gc.get_threshold()[0] == normalising._BULK_GC_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def _chunk(last: int) -> normalising.Chunk:
    return normalising.Chunk(last, 1, staging.StagedBatch([], [], [], [], []), [])


def test_ahead_yields_every_chunk_in_order() -> None:
    chunks = [_chunk(n) for n in range(1, 8)]
    assert [c.last for c in normalising.ahead(iter(chunks), depth=2)] == list(range(1, 8))


def test_ahead_raises_the_readers_error_in_the_consumer() -> None:
    def failing() -> Iterator[normalising.Chunk]:
        yield _chunk(1)
        raise ValueError("broken file")

    got = normalising.ahead(failing())
    assert next(got).last == 1
    with pytest.raises(ValueError, match="broken file"):
        next(got)


def test_closing_ahead_stops_the_reader_and_closes_its_source() -> None:
    closed = threading.Event()

    def endless() -> Iterator[normalising.Chunk]:
        try:
            n = 0
            while True:
                n += 1
                yield _chunk(n)
        finally:
            closed.set()

    with closing(normalising.ahead(endless(), depth=1)) as got:
        assert next(got).last == 1
    assert closed.wait(5)
    assert not any(t.name == "leadwerk-import-reader" for t in threading.enumerate())
