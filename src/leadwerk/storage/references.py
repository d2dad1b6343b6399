"""Which tables point to a table, read from the database's own catalogue (not from the models a
process happened to import), once per database: what merging two leads must move and what
erasing a person must reach, including tables added later."""

from __future__ import annotations

from sqlalchemy import Connection, inspect

_found: dict[tuple[str, str, str], list[tuple[str, str]]] = {}


def references(connection: Connection, table: str) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to `table.id`, in table order."""
    key = (
        connection.dialect.name,
        connection.engine.url.render_as_string(hide_password=True),
        table,
    )
    if key not in _found:
        inspector = inspect(connection)
        found: list[tuple[str, str]] = []
        for name in sorted(inspector.get_table_names()):
            if name == table:
                continue
            for fk in inspector.get_foreign_keys(name):
                if fk["referred_table"] == table and fk["referred_columns"] == ["id"]:
                    found.extend((name, column) for column in fk["constrained_columns"])
        _found[key] = found
    return _found[key]
