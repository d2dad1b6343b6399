"""The set-based write of one batch of normalised rows, inside the caller's transaction.

Per batch: group the rows by email key (rows of one address fold into one lead), find the
leads that have those keys with one query, lock the keys nobody has yet (the advisory lock
`identity.lock_email_key` takes, so an API intake of the same address waits) and look again,
then insert the new leads, update the existing ones with the merge rule of the intake
pipeline, and add one IMPORT touchpoint per row.

PostgreSQL: new leads get ids from the sequence and go in with COPY, updates are COPYed into a
temporary table and applied by one `UPDATE … FROM`, touchpoints with COPY. SQLite: executemany.
Column lists come from `Lead.__table__` and `NormalisedLead`, so a field added to both is
written without a change here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from dataclasses import fields as dc_fields
from datetime import datetime
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import JSON, Column, String, Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from leadwerk.capture.imports.types import ImportCounts
from leadwerk.capture.service import merge_into
from leadwerk.capture.types import NormalisedLead
from leadwerk.leads import rules as lead_rules
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import TouchpointType
from leadwerk.storage.base import EnumValue

_leads = cast(Table, Lead.__table__)
_touchpoints = cast(Table, Touchpoint.__table__)
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True, slots=True)
class AcceptedRow:
    number: int
    clean: NormalisedLead
    marketing_consent: bool


def _normalised_columns() -> list[str]:
    names = {f.name for f in dc_fields(NormalisedLead)}
    return [c.key for c in _leads.columns if c.key in names]


def _update_columns() -> list[str]:
    """What an update writes: every normalised field plus the derived columns."""
    extra = ("phone_key", "search_text", "attributes", "updated_at", "last_activity_at")
    return [*dict.fromkeys([*_normalised_columns(), *extra])]


def _column_default(column: Column[Any]) -> Any:
    default = column.default
    if default is None or not getattr(default, "is_scalar", False):
        if default is not None and getattr(default, "is_callable", False):
            return default.arg(None)  # type: ignore[attr-defined]
        return None
    return default.arg  # type: ignore[attr-defined]


def _defaults(columns: Iterable[Column[Any]]) -> dict[str, Any]:
    """Column defaults, evaluated once per batch (callables such as `utcnow` included)."""
    return {c.key: _column_default(c) for c in columns}


def _new_lead_values(
    clean: NormalisedLead, now: datetime, defaults: dict[str, Any]
) -> dict[str, Any]:
    """Every column of a new lead: defaults, then the normalised fields, then derived ones."""
    values = dict(defaults)
    values.update({name: getattr(clean, name) for name in _CLEAN_FIELDS})
    values.update(phone_key=clean.phone, created_at=now, updated_at=now, last_activity_at=now)
    values["attributes"] = dict(clean.attributes)
    return values


_CLEAN_FIELDS = tuple(f.name for f in dc_fields(NormalisedLead))


def _search_text(lead: Any) -> str:
    return lead_rules.search_text(lead.first_name, lead.last_name, lead.email, lead.company)


def _enum_value(value: Any) -> Any:
    return None if value is None else getattr(value, "value", value)


def _json_text(value: Any) -> Any:
    return None if value is None else _to_json(value)


def _as_is(value: Any) -> Any:
    return value


def _converter(column: Column[Any]) -> Callable[[Any], Any]:
    """How a column's value goes into COPY's text format (enums as their value, JSON as
    text); chosen once per column, not per value."""
    if isinstance(column.type, EnumValue):
        return _enum_value
    if isinstance(column.type, JSON):
        return _json_text
    return _as_is


def _copy(
    session: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    raw = session.connection().connection.driver_connection
    assert raw is not None
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _find(
    session: Session, keys: Sequence[str], columns: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The oldest lead per email key (as the intake pipeline picks it)."""
    if not keys:
        return {}
    wanted = [_leads.c.id, *(_leads.c[name] for name in columns if name != "id")]
    if session.get_bind().dialect.name == "postgresql":
        condition = _leads.c.email_key == func.any(bindparam("keys", type_=_KEY_ARRAY))
        params: dict[str, Any] = {"keys": list(keys)}
    else:
        condition = _leads.c.email_key.in_(bindparam("keys", expanding=True))
        params = {"keys": list(keys)}
    found: dict[str, dict[str, Any]] = {}
    statement = select(*wanted).where(condition).order_by(_leads.c.id)
    for row in session.execute(statement, params).mappings():
        found.setdefault(row["email_key"], dict(row))
    return found


_KEY_ARRAY = ARRAY(String())
_LOCK_KEYS = text(
    "SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM unnest(CAST(:keys AS text[])) AS k"
)


def _lock(session: Session, keys: Sequence[str]) -> None:
    """The advisory locks of `identity.lock_email_key`, in sorted order (two imports never
    wait on each other crosswise). SQLite's writers run one at a time anyway."""
    if keys and session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_KEYS, {"keys": sorted(keys)})


def _reserve_ids(session: Session, count: int) -> list[int]:
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        statement = text(
            "SELECT nextval(pg_get_serial_sequence('leads', 'id')) FROM generate_series(1, :n)"
        )
        return [int(i) for i in session.scalars(statement, {"n": count})]
    # SQLite: the write transaction began IMMEDIATE; nobody else inserts until it ends.
    first = int(session.scalar(select(func.coalesce(func.max(_leads.c.id), 0))) or 0) + 1
    return list(range(first, first + count))


def write_batch(
    session: Session,
    rows: Sequence[AcceptedRow],
    *,
    import_id: int,
    now: datetime,
    seen_keys: set[str],
) -> ImportCounts:
    """Write the rows; `seen_keys` (this import's addresses so far) turns a second row of an
    address in a later batch into `merged` rather than `updated`."""
    groups: dict[str | None, list[AcceptedRow]] = {}
    singles: list[list[AcceptedRow]] = []
    for row in rows:
        key = row.clean.email_key
        if key is None:
            singles.append([row])  # without an address every intake makes a new lead
        else:
            groups.setdefault(key, []).append(row)
    keys = [k for k in groups if k is not None]
    columns = [*_normalised_columns(), "phone_key", "attributes", "search_text", "last_activity_at"]
    lead_defaults = _defaults(_NEW_COLUMNS)
    existing = _find(session, keys, columns)
    missing = sorted(k for k in keys if k not in existing)
    _lock(session, missing)
    if missing and session.get_bind().dialect.name == "postgresql":
        existing.update(_find(session, missing, columns))  # created while we waited

    created = updated = merged = 0
    new_leads: list[tuple[SimpleNamespace, list[AcceptedRow]]] = []
    changed: list[tuple[SimpleNamespace, list[AcceptedRow]]] = []
    for key, group in [*groups.items(), *((None, g) for g in singles)]:
        merged += len(group) - 1
        current = existing.get(key) if key is not None else None
        if current is None:
            lead = SimpleNamespace(**_new_lead_values(group[0].clean, now, lead_defaults))
            for row in group[1:]:
                merge_into(cast(Lead, lead), row.clean)
            lead.search_text = _search_text(lead)
            new_leads.append((lead, group))
            created += 1
        else:
            lead = SimpleNamespace(**current)
            lead.attributes = dict(lead.attributes or {})
            searched = (lead.first_name, lead.last_name, lead.email, lead.company)
            for row in group:
                merge_into(cast(Lead, lead), row.clean)
            if (lead.first_name, lead.last_name, lead.email, lead.company) != searched:
                lead.search_text = _search_text(lead)
            lead.updated_at = now
            lead.last_activity_at = max(lead.last_activity_at or now, now)
            changed.append((lead, group))
            if key in seen_keys:
                merged += 1
            else:
                updated += 1
        if key is not None:
            seen_keys.add(key)

    lead_ids = _insert_leads(session, [lead for lead, _ in new_leads])
    touch: list[tuple[int, AcceptedRow]] = []
    for lead_id, (_, group) in zip(lead_ids, new_leads, strict=True):
        touch.extend((lead_id, row) for row in group)
    for lead, group in changed:
        touch.extend((lead.id, row) for row in group)
    _update_leads(session, [lead for lead, _ in changed])
    _insert_touchpoints(session, touch, import_id=import_id, now=now)
    return ImportCounts(rows=len(rows), created=created, updated=updated, merged=merged, rejected=0)


_NEW_COLUMNS = [c for c in _leads.columns if c.key != "id"]
_TOUCH_COLUMNS = [c for c in _touchpoints.columns if c.key != "id"]


def _insert_leads(session: Session, leads: Sequence[SimpleNamespace]) -> list[int]:
    ids = _reserve_ids(session, len(leads))
    if not leads:
        return ids
    if session.get_bind().dialect.name == "postgresql":
        names = ["id", *(c.key for c in _NEW_COLUMNS)]
        converters = [(c.key, _converter(c)) for c in _NEW_COLUMNS]
        _copy(
            session,
            _leads.name,
            names,
            (
                [lead_id, *(convert(getattr(lead, key)) for key, convert in converters)]
                for lead_id, lead in zip(ids, leads, strict=True)
            ),
        )
    else:
        session.execute(
            insert(_leads),
            [
                {"id": lead_id, **{c.key: getattr(lead, c.key) for c in _NEW_COLUMNS}}
                for lead_id, lead in zip(ids, leads, strict=True)
            ],
        )
    return ids


def _update_leads(session: Session, leads: Sequence[SimpleNamespace]) -> None:
    if not leads:
        return
    names = _update_columns()
    if session.get_bind().dialect.name == "postgresql":
        listed = ", ".join(["id", *names])
        converters = [(n, _converter(_leads.c[n])) for n in names]
        session.execute(
            text(
                "CREATE TEMP TABLE import_updates ON COMMIT DROP AS "  # noqa: S608 - our names
                f"SELECT {listed} FROM leads WITH NO DATA"
            )
        )
        _copy(
            session,
            "import_updates",
            ["id", *names],
            (
                [lead.id, *(convert(getattr(lead, n)) for n, convert in converters)]
                for lead in leads
            ),
        )
        assignments = ", ".join(f"{n} = u.{n}" for n in names)
        session.execute(
            text(f"UPDATE leads SET {assignments} FROM import_updates AS u WHERE leads.id = u.id")  # noqa: S608
        )
        session.execute(text("DROP TABLE import_updates"))
        return
    statement = (
        update(_leads)
        .where(_leads.c.id == bindparam("_id"))
        .values({n: bindparam(f"_{n}") for n in names})
    )
    session.connection().execute(
        statement,
        [{"_id": lead.id, **{f"_{n}": getattr(lead, n) for n in names}} for lead in leads],
    )


def _touchpoint_values(
    lead_id: int, row: AcceptedRow, import_id: int, now: datetime, defaults: dict[str, Any]
) -> dict[str, Any]:
    clean = row.clean
    values = dict(defaults)
    values.update(
        lead_id=lead_id,
        type=TouchpointType.IMPORT,
        channel=clean.channel,
        campaign_id=None,
        source=clean.source,
        utm_source=clean.utm_source,
        utm_medium=clean.utm_medium,
        utm_campaign=clean.utm_campaign,
        utm_term=clean.utm_term,
        utm_content=clean.utm_content,
        url=None,
        occurred_at=now,
        properties={
            "import_id": import_id,
            "row": row.number,
            "marketing_consent": row.marketing_consent,
        },
    )
    return values


def _insert_touchpoints(
    session: Session, rows: Sequence[tuple[int, AcceptedRow]], *, import_id: int, now: datetime
) -> None:
    if not rows:
        return
    defaults = _defaults(_TOUCH_COLUMNS)
    values = [_touchpoint_values(lead_id, row, import_id, now, defaults) for lead_id, row in rows]
    if session.get_bind().dialect.name == "postgresql":
        converters = [(c.key, _converter(c)) for c in _TOUCH_COLUMNS]
        _copy(
            session,
            _touchpoints.name,
            [c.key for c in _TOUCH_COLUMNS],
            ([convert(v[key]) for key, convert in converters] for v in values),
        )
    else:
        session.execute(insert(_touchpoints), values)
