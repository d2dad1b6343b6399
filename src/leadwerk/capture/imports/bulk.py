"""The set-based write of one batch of normalised rows, in two halves.

`stage` (pure, runs where the rows are normalised, a worker process for large files): group
the batch's rows by email key, fold the rows of one address into one set of incoming values
with the intake pipeline's merge rule (`capture.service.merge_into`), and turn groups and rows
into plain tuples: one per group with the lead's columns, one per row for its touchpoint.

`write_batch` (inside the caller's transaction): load the tuples into two temporary tables
(COPY on PostgreSQL, executemany on SQLite) and let the database do the rest in a fixed number
of statements, whatever the batch size:

1. find the oldest lead per email key (as the intake pipeline picks it); lock the keys nobody
   has yet with the advisory lock `identity.lock_email_key` takes (sorted, so two imports never
   wait on each other crosswise; an API intake of the same address waits) and look again;
2. update the leads found with `capture.service.merge_sql`, the SQL twin of `merge_into`;
3. give the other groups ids and insert them as new leads;
4. insert one IMPORT touchpoint per row.

The search text of an updated lead is folded in Python (`leads.rules.search_text`): from the
incoming values when they name all four of its parts, else from the merged values of the few
leads where the lead's own value fills a gap. Column lists come from `Lead.__table__` and
`NormalisedLead`, so a field added to both is written without a change here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import JSON, Column, Table, bindparam, func, select, text
from sqlalchemy.orm import Session

from leadwerk.capture.imports.types import ImportCounts
from leadwerk.capture.service import merge_into, merge_sql
from leadwerk.capture.types import NormalisedLead
from leadwerk.leads import rules as lead_rules
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import TouchpointType
from leadwerk.storage.base import EnumValue

_leads = cast(Table, Lead.__table__)
_touchpoints = cast(Table, Touchpoint.__table__)
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

_CLEAN_FIELDS = tuple(f.name for f in dc_fields(NormalisedLead))
# The lead's columns a group fills, in table order, then the derived ones.
_NORMALISED = tuple(c.key for c in _leads.columns if c.key in _CLEAN_FIELDS)
GROUP_VALUES = tuple(dict.fromkeys((*_NORMALISED, "phone_key", "search_text", "attributes")))
# A group's tuple: its number in the batch, whether its four search parts are all given, then
# GROUP_VALUES. `write_batch` adds `seen` (the address came in an earlier batch of the import).
_GROUP_HEAD = ("g", "complete")
# A row's tuple: its group, its number in the file, then its touchpoint's own values.
ROW_VALUES = (
    "channel",
    "source",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "properties",
)
_ROW_HEAD = ("g", "n")
_SEARCH_PARTS = ("first_name", "last_name", "email", "company")


@dataclass(frozen=True, slots=True)
class AcceptedRow:
    number: int
    clean: NormalisedLead
    marketing_consent: bool


@dataclass(frozen=True, slots=True)
class StagedBatch:
    """A batch as plain tuples (cheap to send between processes)."""

    groups: list[tuple[Any, ...]]  # _GROUP_HEAD + GROUP_VALUES
    keys: list[str | None]  # the email key per group
    rows: list[tuple[Any, ...]]  # _ROW_HEAD + ROW_VALUES

    @property
    def row_count(self) -> int:
        return len(self.rows)


def _enum_value(value: Any) -> Any:
    return None if value is None else getattr(value, "value", value)


def _json_text(value: Any) -> Any:
    return None if value is None else _to_json(value)


def _as_is(value: Any) -> Any:
    return value


def _converter(column: Column[Any]) -> Callable[[Any], Any]:
    """How a column's value is handed to the database as is (enums as their value, JSON as
    text), so COPY and executemany need no type adaptation; chosen once per column."""
    if isinstance(column.type, EnumValue):
        return _enum_value
    if isinstance(column.type, JSON):
        return _json_text
    return _as_is


_GROUP_CONVERTERS = tuple((n, _converter(_leads.c[n])) for n in GROUP_VALUES)


def _fold(rows: Sequence[AcceptedRow]) -> Any:
    """The incoming values of one address: its first row, with the later ones merged in as
    the intake pipeline merges a second intake of the address."""
    first = rows[0].clean
    lead = SimpleNamespace(**{name: getattr(first, name) for name in _CLEAN_FIELDS})
    lead.phone_key = first.phone
    lead.attributes = dict(first.attributes)
    for row in rows[1:]:
        merge_into(cast(Lead, lead), row.clean)
    return lead


def stage(rows: Sequence[AcceptedRow], import_id: int) -> StagedBatch:
    """Group and fold the batch's rows and turn them into tuples for `write_batch`."""
    by_key: dict[str, list[AcceptedRow]] = {}
    grouped: list[list[AcceptedRow]] = []  # in the order of each group's first row
    for row in rows:
        key = row.clean.email_key
        if key is None:
            grouped.append([row])  # without an address every intake makes a new lead
        elif key in by_key:
            by_key[key].append(row)
        else:
            by_key[key] = [row]
            grouped.append(by_key[key])
    groups: list[tuple[Any, ...]] = []
    keys: list[str | None] = []
    staged_rows: list[tuple[Any, ...]] = []
    for number, group in enumerate(grouped):
        lead: Any = group[0].clean if len(group) == 1 else _fold(group)
        parts = [getattr(lead, name) for name in _SEARCH_PARTS]
        values = []
        for name, convert in _GROUP_CONVERTERS:
            if name == "phone_key":
                values.append(lead.phone)
            elif name == "search_text":
                values.append(lead_rules.search_text(*parts))
            else:
                values.append(convert(getattr(lead, name)))
        groups.append((number, all(p is not None for p in parts), *values))
        keys.append(lead.email_key)
        for row in group:
            clean = row.clean
            properties = (
                f'{{"import_id":{import_id},"row":{row.number},'
                f'"marketing_consent":{"true" if row.marketing_consent else "false"}}}'
            )
            staged_rows.append(
                (
                    number,
                    row.number,
                    clean.channel.value,
                    clean.source,
                    clean.utm_source,
                    clean.utm_medium,
                    clean.utm_campaign,
                    clean.utm_term,
                    clean.utm_content,
                    properties,
                )
            )
    return StagedBatch(groups, keys, staged_rows)


# --- the database half -------------------------------------------------------------------

_GROUPS = "import_groups"
_ROWS = "import_rows"
_SEARCH = "import_search_texts"
_GROUP_COLUMNS = ("g", "complete", *GROUP_VALUES, "seen")
_ROW_COLUMNS = (*_ROW_HEAD, *ROW_VALUES)


def _create_stage(session: Session) -> None:
    """Two temporary tables typed like `leads` and `touchpoints` (a failed batch rolls their
    creation back with everything else)."""
    group_values = ", ".join(GROUP_VALUES)
    row_values = ", ".join(ROW_VALUES)
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {_GROUPS} AS SELECT "  # noqa: S608 - our own names
            "CAST(NULL AS INTEGER) AS g, CAST(NULL AS BOOLEAN) AS complete, "
            f"{group_values}, CAST(NULL AS BOOLEAN) AS seen, "
            "CAST(NULL AS BIGINT) AS lead_id, CAST(NULL AS BOOLEAN) AS is_new "
            "FROM leads WHERE 1 = 0"
        )
    )
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {_ROWS} AS SELECT "  # noqa: S608 - our own names
            f"CAST(NULL AS INTEGER) AS g, CAST(NULL AS INTEGER) AS n, {row_values} "
            "FROM touchpoints WHERE 1 = 0"
        )
    )


def _load(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Rows into a stage table: COPY on PostgreSQL, executemany on SQLite."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
        list(rows),
    )


# `id + 0`: without it PostgreSQL may answer `min(id)` by walking the primary key until it
# meets the address, instead of looking the address up in ix_leads_email_key.
_FIND = text(
    f"UPDATE {_GROUPS} SET lead_id = "  # noqa: S608 - our own names
    f"(SELECT min(l.id + 0) FROM leads AS l WHERE l.email_key = {_GROUPS}.email_key) "
    "WHERE lead_id IS NULL AND email_key IS NOT NULL"
)
_LOCK_MISSING = text(
    "SELECT count(pg_advisory_xact_lock(hashtext(k.email_key))) FROM "  # noqa: S608
    f"(SELECT email_key FROM {_GROUPS} WHERE lead_id IS NULL AND email_key IS NOT NULL "
    "ORDER BY email_key) AS k"
)


def _find_leads(session: Session) -> None:
    """Each group's lead by its email key; keys without one locked, then looked up again."""
    session.execute(_FIND)
    if session.get_bind().dialect.name == "postgresql":
        # The lock is `identity.lock_email_key`'s; SQLite's writers run one at a time anyway.
        session.execute(_LOCK_MISSING)
        session.execute(_FIND)  # created while we waited


def _complete_search_texts(session: Session) -> None:
    """Search texts of found leads whose incoming values lack one of the four parts: from
    the merged parts (a given incoming part wins, as in `merge_into`)."""
    incoming = ", ".join(f"g.{p}" for p in _SEARCH_PARTS)
    current = ", ".join(f"l.{p}" for p in _SEARCH_PARTS)
    found = session.execute(
        text(
            f"SELECT g.g, {incoming}, {current} FROM {_GROUPS} AS g "  # noqa: S608
            "JOIN leads AS l ON l.id = g.lead_id WHERE NOT g.complete"
        )
    ).all()
    if not found:
        return
    width = len(_SEARCH_PARTS)
    texts = [
        (
            row[0],
            lead_rules.search_text(
                *(
                    new if new is not None else old
                    for new, old in zip(row[1 : 1 + width], row[1 + width :], strict=True)
                )
            ),
        )
        for row in found
    ]
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {_SEARCH} AS SELECT g, search_text "  # noqa: S608
            f"FROM {_GROUPS} WHERE 1 = 0"
        )
    )
    _load(session, _SEARCH, ("g", "search_text"), texts)
    session.execute(
        text(
            f"UPDATE {_GROUPS} SET search_text = s.search_text "  # noqa: S608
            f"FROM {_SEARCH} AS s WHERE {_GROUPS}.g = s.g"
        )
    )
    session.execute(text(f"DROP TABLE {_SEARCH}"))


def _update_leads(session: Session, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    assignments = {
        **merge_sql(dialect),
        "search_text": "g.search_text",
        "updated_at": ":now",
        "last_activity_at": "CASE WHEN leads.last_activity_at IS NULL "
        "OR leads.last_activity_at < :now THEN :now ELSE leads.last_activity_at END",
    }
    listed = ", ".join(f"{name} = {expression}" for name, expression in assignments.items())
    statement = text(
        f"UPDATE leads SET {listed} FROM {_GROUPS} AS g "  # noqa: S608 - our own names
        "WHERE leads.id = g.lead_id"
    ).bindparams(bindparam("now", type_=_leads.c.updated_at.type))
    session.execute(statement, {"now": now})


def _assign_ids(session: Session) -> None:
    """Ids for the groups without a lead (in the order of the file, as the stage was loaded)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                f"UPDATE {_GROUPS} SET is_new = TRUE, "  # noqa: S608 - our own names
                "lead_id = nextval(pg_get_serial_sequence('leads', 'id')) WHERE lead_id IS NULL"
            )
        )
        return
    # SQLite: the write transaction began IMMEDIATE; nobody else inserts until it ends.
    first = int(session.scalar(select(func.coalesce(func.max(_leads.c.id), 0))) or 0)
    session.execute(
        text(
            f"UPDATE {_GROUPS} SET lead_id = s.id, is_new = TRUE FROM "  # noqa: S608
            "(SELECT g, :first + row_number() OVER (ORDER BY g) AS id "
            f"FROM {_GROUPS} WHERE lead_id IS NULL) AS s WHERE {_GROUPS}.g = s.g"
        ),
        {"first": first},
    )


def _constants(columns: Iterable[Column[Any]], given: set[str]) -> dict[str, Any]:
    """Column defaults (callables such as `utcnow` included) of the columns not `given`,
    evaluated once per batch."""
    values: dict[str, Any] = {}
    for column in columns:
        if column.key in given:
            continue
        default = column.default
        if default is None:
            values[column.key] = None
        elif getattr(default, "is_callable", False):
            values[column.key] = default.arg(None)  # type: ignore[attr-defined]
        else:
            values[column.key] = default.arg  # type: ignore[attr-defined]
    return values


def _insert_from_stage(
    session: Session,
    table: Table,
    given: dict[str, str],
    constants: dict[str, Any],
    source: str,
) -> None:
    """INSERT … SELECT: `given` column → expression over the stage, the rest bound once."""
    names = [*given, *constants]
    expressions = [*given.values(), *(f":c_{name}" for name in constants)]
    statement = text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(expressions)} {source}"
    ).bindparams(*(bindparam(f"c_{name}", type_=table.c[name].type) for name in constants))
    session.execute(statement, {f"c_{name}": value for name, value in constants.items()})


def _insert_leads(session: Session, now: datetime) -> None:
    given = {"id": "g.lead_id", **{name: f"g.{name}" for name in GROUP_VALUES}}
    constants = _constants(_leads.columns, set(given))
    constants.update(created_at=now, updated_at=now, last_activity_at=now)
    _insert_from_stage(
        session, _leads, given, constants, f"FROM {_GROUPS} AS g WHERE g.is_new ORDER BY g.g"
    )


def _insert_touchpoints(session: Session, now: datetime) -> None:
    given = {"lead_id": "g.lead_id", **{name: f"r.{name}" for name in ROW_VALUES}}
    constants = _constants(
        (c for c in _touchpoints.columns if c.key != "id"), {*given, "type", "occurred_at"}
    )
    constants.update(type=TouchpointType.IMPORT, occurred_at=now)
    _insert_from_stage(
        session,
        _touchpoints,
        given,
        constants,
        f"FROM {_ROWS} AS r JOIN {_GROUPS} AS g ON g.g = r.g ORDER BY r.n",
    )


_COUNTS = text(
    "SELECT count(*), "  # noqa: S608 - our own names
    "sum(CASE WHEN is_new THEN 1 ELSE 0 END), "
    "sum(CASE WHEN is_new IS NULL AND seen THEN 1 ELSE 0 END) "
    f"FROM {_GROUPS}"
)


def write_batch(
    session: Session,
    batch: StagedBatch,
    *,
    now: datetime,
    seen_keys: set[str],
) -> ImportCounts:
    """Write a staged batch; `seen_keys` (this import's addresses so far) turns a group whose
    address came in an earlier batch into `merged` rather than `updated`."""
    if not batch.groups:
        return ImportCounts()
    seen = [key is not None and key in seen_keys for key in batch.keys]
    seen_keys.update(key for key in batch.keys if key is not None)
    dialect = session.get_bind().dialect.name
    _create_stage(session)
    _load(
        session,
        _GROUPS,
        _GROUP_COLUMNS,
        ((*group, was_seen) for group, was_seen in zip(batch.groups, seen, strict=True)),
    )
    _load(session, _ROWS, _ROW_COLUMNS, batch.rows)
    session.execute(text(f"CREATE INDEX ix_{_GROUPS}_g ON {_GROUPS} (g)"))
    if dialect == "postgresql":
        # Every join here is a batch's few thousand rows against `leads` by a key: nested
        # loops over an index. Statistics of `leads` lag behind a large import (and a
        # temporary table has none), and a hash join would read all of `leads` per batch.
        session.execute(text("SET LOCAL enable_hashjoin = off"))
        session.execute(text("SET LOCAL enable_mergejoin = off"))
    _find_leads(session)
    _complete_search_texts(session)
    _update_leads(session, now)
    _assign_ids(session)
    _insert_leads(session, now)
    _insert_touchpoints(session, now)
    groups, created, merged_groups = session.execute(_COUNTS).one()
    session.execute(text(f"DROP TABLE {_ROWS}"))
    session.execute(text(f"DROP TABLE {_GROUPS}"))
    if dialect == "postgresql":
        session.execute(text("RESET enable_hashjoin"))
        session.execute(text("RESET enable_mergejoin"))
    created, merged_groups = int(created or 0), int(merged_groups or 0)
    updated = groups - created - merged_groups
    return ImportCounts(
        rows=len(batch.rows),
        created=created,
        updated=updated,
        merged=merged_groups + len(batch.rows) - groups,
        rejected=0,
    )
