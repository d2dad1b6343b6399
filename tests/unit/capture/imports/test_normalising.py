from __future__ import annotations

import gc

from leadwerk.capture.imports import normalising


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
