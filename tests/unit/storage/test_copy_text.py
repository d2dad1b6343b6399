"""COPY's text format: what `copy_line` writes, `copy_values` reads back, for any text."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadwerk.storage.bulk import copy_field, copy_line, copy_values

# Text as PostgreSQL stores it: any character but NUL, the awkward ones made likely.
texts = st.text(
    alphabet=st.one_of(
        st.sampled_from(["\\", "\t", "\n", "\r", "N", ".", "a", " ", "ü"]),
        st.characters(exclude_characters="\x00"),
    ),
    max_size=12,
)


@given(st.lists(st.one_of(st.none(), texts), min_size=1, max_size=8))
def test_a_line_reads_back_as_the_values_it_was_made_of(values: list[str | None]) -> None:
    line = copy_line(values)
    assert "\n" not in line
    assert "\r" not in line
    assert line.count("\t") == len(values) - 1
    assert copy_values(line) == tuple(values)


@pytest.mark.parametrize(
    ("values", "line"),
    [
        (("a", None, "b"), "a\t\\N\tb"),
        (("\\N",), "\\\\N"),  # the text backslash-N is not NULL
        (("a\\Nb", None), "a\\\\Nb\t\\N"),  # one backslash per NULL: not taken for the fast path
        (("x\ty", "z\r\nw"), "x\\ty\tz\\r\\nw"),
        (("", None), "\t\\N"),
    ],
)
def test_lines_are_in_postgresqls_text_format(values: tuple[str | None, ...], line: str) -> None:
    assert copy_line(values) == line


def test_fields_of_other_types() -> None:
    assert copy_field(None) == "\\N"
    assert copy_field(True) == "t"
    assert copy_field(False) == "f"
    assert copy_field(42) == "42"
    assert copy_field(Decimal("1.50")) == "1.50"
    assert copy_field(datetime(2026, 12, 4, 20, 0, tzinfo=UTC)) == "2026-12-04T20:00:00+00:00"
    assert copy_field(date(2026, 12, 4)) == "2026-12-04"
    with pytest.raises(TypeError, match="no COPY text form for dict"):
        copy_field({"a": 1})
