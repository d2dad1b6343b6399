"""Batches made ahead in a thread: same order, errors surface, stopping early ends the thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from leadwerk.demo.loader import prefetched
from leadwerk.demo.rows import Batch


def _batches(count: int, fail_at: int | None = None) -> Iterator[Batch]:
    for i in range(count):
        if i == fail_at:
            raise RuntimeError(f"broken at {i}")
        yield Batch([], [], [], [i])  # type: ignore[list-item]


def _threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "demo-generator")


def test_same_batches_in_the_same_order() -> None:
    got = [b.stage_changes[0] for b in prefetched(_batches(50), depth=2)]
    assert got == list(range(50))
    assert _threads() == 0


def test_an_error_while_generating_is_raised_to_the_consumer() -> None:
    batches = prefetched(_batches(50, fail_at=7))
    got = [next(batches).stage_changes[0] for _ in range(7)]
    assert got == list(range(7))
    with pytest.raises(RuntimeError, match="broken at 7"):
        next(batches)
    assert _threads() == 0


def test_stopping_early_ends_the_thread() -> None:
    batches = prefetched(_batches(1000), depth=1)
    assert next(batches).stage_changes[0] == 0
    batches.close()
    assert _threads() == 0
