"""`load_lines` stores what `copy_line` encoded, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import text

from leadwerk.storage.bulk import copy_line, load_lines
from leadwerk.storage.engine import Database


def test_lines_with_leading_values_and_constants_are_stored_as_given(db: Database) -> None:
    rows = [
        ("plain", None),
        ("tab\there", "back\\slash"),
        ("line\nbreak\r", "\\N"),  # the text, not NULL
        (None, "ümlaut"),
    ]
    with db.transaction() as session:
        session.execute(
            text("CREATE TEMPORARY TABLE copied (n INTEGER, a TEXT, b TEXT, tag TEXT, k INTEGER)")
        )
        load_lines(
            session,
            "copied",
            ("n", "a", "b", "tag", "k"),
            (((n,), copy_line(values)) for n, values in enumerate(rows)),
            ("same", 7),
        )
        stored = session.execute(text("SELECT n, a, b, tag, k FROM copied ORDER BY n")).all()
        load_lines(session, "copied", ("n", "a", "b", "tag", "k"), [])  # nothing to load
        assert session.scalar(text("SELECT count(*) FROM copied")) == len(rows)
    assert [tuple(r) for r in stored] == [(n, *v, "same", 7) for n, v in enumerate(rows)]
