"""The database half of an import's write: one staged batch (`staging.stage`) written inside
the caller's transaction, with a fixed number of statements whatever the batch size:

1. take the bulk lock on PostgreSQL (`identity.lock_for_bulk`: intakes of any address wait
   until the batch commits, another import's batch too) and find the oldest lead per email
   key (as the intake pipeline picks it), else the lead it is an old address of, with one
   statement;
2. update the leads found: their groups go into a temporary table and one `UPDATE … FROM`
   applies `capture.rules.merge_sql`, the SQL twin of `merge_into`;
3. insert the other groups as new leads, and one IMPORT touchpoint per row.

PostgreSQL gets COPY for every load, of the lines the workers wrote (`storage.bulk.load_lines`),
SQLite executemany. The search text of an updated lead is folded in Python
(`leads.rules.search_text`): from the incoming values when they give all four of its parts,
else from the merged parts, read for the few leads where the lead's own value fills a gap.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Column, Table, bindparam, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from leadwerk.capture.imports.staging import GROUP_VALUES, ROW_VALUES, SEARCH_PARTS, StagedBatch
from leadwerk.capture.imports.types import ImportCounts
from leadwerk.capture.rules import merge_sql
from leadwerk.consent.claims import ImportedConsent, record_imported
from leadwerk.identity import intake as matching
from leadwerk.identity import merging
from leadwerk.identity import service as identity
from leadwerk.identity.models import EmailAlias
from leadwerk.identity.types import MergeReason
from leadwerk.leads import rules as lead_rules
from leadwerk.leads.models import Lead, Touchpoint
from leadwerk.leads.types import TouchpointType
from leadwerk.storage.base import in_slices
from leadwerk.storage.bulk import copy_line, copy_values, load_lines, reserve_ids

_leads = cast(Table, Lead.__table__)
_touchpoints = cast(Table, Touchpoint.__table__)
_aliases = cast(Table, EmailAlias.__table__)
_SEARCH_POSITIONS = tuple(GROUP_VALUES.index(p) for p in SEARCH_PARTS)
_SEARCH_TEXT_POSITION = GROUP_VALUES.index("search_text")
_COMPARED = tuple(matching.LEAD_FIELDS)
_compared = operator.itemgetter(*(GROUP_VALUES.index(name) for name in _COMPARED))
_match_keys = operator.itemgetter(
    *(GROUP_VALUES.index(k) for k in ("phone_key", "name_key", "sound_key"))
)
_EMAIL_POSITIONS = tuple(
    GROUP_VALUES.index(name) for name in ("email", "email_key", "email_status", "domain")
)


_UPDATES = "import_updates"


# One index lookup per key whatever the statistics say (a `= ANY(…)` of thousands of keys was
# planned as a scan of all of `leads` while its statistics lagged behind); `id + 0`: else
# `min(id)` may walk the primary key until it meets the address. The keys go in as one text
# (a list of thousands costs more to send as an array); the old addresses (aliases a merge
# left, few) are looked up only for the keys no lead has.
_FIND_POSTGRES = text(
    "SELECT n, lead_id, aliased FROM (SELECT k.n, "
    "coalesce(own.id, (SELECT a.lead_id FROM email_aliases AS a WHERE a.email_key = k.key)) "
    "AS lead_id, own.id IS NULL AS aliased "
    "FROM unnest(string_to_array(:keys, E'\\n')) WITH ORDINALITY AS k(key, n), "
    "LATERAL (SELECT min(l.id + 0) AS id FROM leads AS l WHERE l.email_key = k.key) AS own"
    ") AS f WHERE lead_id IS NOT NULL"
)
_FIND_SQLITE = text(
    "SELECT email_key, min(id + 0) FROM leads WHERE email_key IN :keys GROUP BY email_key"
).bindparams(bindparam("keys", expanding=True))
_FIND_ALIASES = select(_aliases.c.email_key, _aliases.c.lead_id).where(
    _aliases.c.email_key.in_(bindparam("keys", expanding=True))
)


def _find_and_lock(session: Session, keys: Sequence[str]) -> tuple[dict[str, int], set[str]]:
    """The oldest lead of each key that has one (as the intake pipeline picks it), else the
    lead it is an old address of, and the keys found as such. PostgreSQL: with the bulk lock
    taken first (`identity.lock_for_bulk`: intakes of any address wait until the batch
    commits, another import's batch too), so no lead for a new address comes in between;
    SQLite's writers run one at a time anyway."""
    if not keys:
        return {}, set()
    found: dict[str, int] = {}
    aliased: set[str] = set()
    if session.get_bind().dialect.name == "postgresql":
        identity.lock_for_bulk(session)
        listed = "\n".join(keys)
        if listed.count("\n") != len(keys) - 1:  # clean_text drops every control character
            raise ValueError("an email key holds a line break")
        for n, lead_id, alias in session.execute(_FIND_POSTGRES, {"keys": listed}):
            key = keys[n - 1]
            found[key] = int(lead_id)
            if alias:
                aliased.add(key)
        return found, aliased
    for part in in_slices(keys):
        found.update((k, int(i)) for k, i in session.execute(_FIND_SQLITE, {"keys": part}))
    missing = [k for k in keys if k not in found]
    for part in in_slices(missing):
        for key, lead_id in session.execute(_FIND_ALIASES, {"keys": part}):
            found[key] = int(lead_id)
            aliased.add(key)
    return found, aliased


def _constants(
    columns: Iterable[Column[Any]], values: dict[str, Any], dialect: Dialect
) -> dict[str, Any]:
    """Every column not filled per row: `values`, else its default (callables such as
    `utcnow` included), evaluated once per batch and converted as SQLAlchemy binds it."""
    constants: dict[str, Any] = {}
    for column in columns:
        if column.key in values:
            value = values[column.key]
        elif column.default is None:
            value = None
        elif getattr(column.default, "is_callable", False):
            value = column.default.arg(None)  # type: ignore[attr-defined]
        else:
            value = column.default.arg  # type: ignore[attr-defined]
        processor = column.type.dialect_impl(dialect).bind_processor(dialect)
        constants[column.key] = (
            processor(value) if processor is not None and value is not None else value
        )
    return constants


def _search_texts_with_gaps(
    session: Session, groups: list[str], found: list[tuple[int, int]]
) -> None:
    """Search texts of found leads whose incoming values lack one of the four parts: from
    the merged parts (a given incoming part wins, as in `merge_into`). `found` holds
    (position in `groups`, lead id) of those groups; their lines are replaced."""
    if not found:
        return
    ids = [i for _, i in found]
    if session.get_bind().dialect.name == "postgresql":
        columns = ", ".join(f"l.{p}" for p in SEARCH_PARTS)
        statement = text(  # a nested loop by primary key (write_batch turns hash joins off)
            f"SELECT l.id, {columns} FROM unnest(CAST(:ids AS bigint[])) AS i "  # noqa: S608
            "JOIN leads AS l ON l.id = i"
        )
        slices = [ids]
    else:
        columns = ", ".join(SEARCH_PARTS)
        statement = text(
            f"SELECT id, {columns} FROM leads WHERE id IN :ids"  # noqa: S608
        ).bindparams(bindparam("ids", expanding=True))
        slices = in_slices(ids)
    current = {
        row[0]: row[1:] for part in slices for row in session.execute(statement, {"ids": part})
    }
    for position, lead_id in found:
        values = list(copy_values(groups[position]))
        old = current[lead_id]
        parts = [
            values[at] if values[at] is not None else old[n]
            for n, at in enumerate(_SEARCH_POSITIONS)
        ]
        values[_SEARCH_TEXT_POSITION] = lead_rules.search_text(*parts)
        groups[position] = copy_line(values)


def _one_per_lead(rows: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    """The rows in passes that each hold a lead once (an address and an old address of the
    same lead in one batch are two groups; one `UPDATE … FROM` would apply only one of them),
    in file order. Nearly always one pass."""
    passes: list[list[tuple[int, str]]] = []
    seen: list[set[Any]] = []
    for row in rows:
        for n, ids in enumerate(seen):
            if row[0] not in ids:
                ids.add(row[0])
                passes[n].append(row)
                break
        else:
            seen.append({row[0]})
            passes.append([row])
    return passes


def _update_leads(session: Session, rows: list[tuple[int, str]], now: datetime) -> None:
    """(lead id, its group's line) rows merged into their leads by one `UPDATE … FROM`."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    columns = ", ".join(GROUP_VALUES)
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE {_UPDATES} AS SELECT "  # noqa: S608 - our own names
            f"CAST(NULL AS BIGINT) AS lead_id, {columns} FROM leads WHERE 1 = 0"
        )
    )
    load_lines(session, _UPDATES, ("lead_id", *GROUP_VALUES), (((i,), g) for i, g in rows))
    assignments = {
        **merge_sql(dialect),
        "search_text": "g.search_text",
        "updated_at": ":now",
        "last_activity_at": "CASE WHEN leads.last_activity_at IS NULL "
        "OR leads.last_activity_at < :now THEN :now ELSE leads.last_activity_at END",
    }
    listed = ", ".join(f"{name} = {expression}" for name, expression in assignments.items())
    session.execute(
        text(
            f"UPDATE leads SET {listed} FROM {_UPDATES} AS g "  # noqa: S608 - our own names
            "WHERE leads.id = g.lead_id"
        ).bindparams(bindparam("now", type_=_leads.c.updated_at.type)),
        {"now": now},
    )
    session.execute(text(f"DROP TABLE {_UPDATES}"))


def commit_without_flush_wait(session: Session) -> None:
    """PostgreSQL: this transaction's commit does not wait for its WAL to reach the disk.
    Safe for a batch: it commits together with the import's progress, so a server crash
    that loses it loses both, and the re-run writes the batch again; the import's final
    commit (status `completed`) waits as usual and so makes every batch before it durable."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit = off"))


_BATCH_SETTINGS = ("enable_hashjoin", "enable_mergejoin", "jit")


def write_batch(
    session: Session,
    batch: StagedBatch,
    *,
    now: datetime,
    seen_keys: set[str],
    actor: str,
    consent: ImportedConsent | None = None,
) -> ImportCounts:
    """Write a staged batch; `seen_keys` (this import's addresses so far) turns a group whose
    address came in an earlier batch into `merged` rather than `updated`.

    A new address is matched as at intake (`identity.intake.find_matches`, once a duplicate
    search has stored a model): its new lead is merged into the lead it matches at the merge
    threshold (an undoable merge, counted as updated), or offered for review with it."""
    if not batch.groups:
        return ImportCounts()
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        # Every join here is a batch's few thousand rows against `leads` by a key: nested
        # loops over an index. The statistics of `leads` lag behind a large import (and a
        # temporary table has none); a hash join would read all of `leads` per batch. Those
        # stale estimates also made PostgreSQL JIT-compile each statement: 90 ms per batch
        # for statements that run in 25.
        for setting in _BATCH_SETTINGS:
            session.execute(text(f"SET LOCAL {setting} = off"))
    groups = list(batch.groups)
    complete = list(batch.complete)
    found, aliased = _find_and_lock(session, [k for k in batch.keys if k is not None])
    lead_ids: list[int | None] = [found.get(k) if k is not None else None for k in batch.keys]
    for n, key in enumerate(batch.keys):
        if key in aliased:  # an old address of a lead: the lead keeps its own (as at intake)
            values = list(copy_values(groups[n]))
            for position in _EMAIL_POSITIONS:
                values[position] = None
            groups[n], complete[n] = copy_line(values), False
    _search_texts_with_gaps(
        session,
        groups,
        [
            (n, lead_id)
            for n, (lead_id, whole) in enumerate(zip(lead_ids, complete, strict=True))
            if lead_id is not None and not whole
        ],
    )
    merged = len(batch.rows) - len(groups)
    updated = 0
    for key, lead_id in zip(batch.keys, lead_ids, strict=True):
        if lead_id is not None:
            if key in seen_keys:
                merged += 1
            else:
                updated += 1
    seen_keys.update(k for k in batch.keys if k is not None)
    for rows in _one_per_lead(
        [(i, g) for i, g in zip(lead_ids, groups, strict=True) if i is not None]
    ):
        _update_leads(session, rows, now)
    new = [n for n, lead_id in enumerate(lead_ids) if lead_id is None]
    matches: list[matching.IntakeMatch | None] = [None] * len(new)
    active = matching.active_model(session) if new else None
    if active is not None:  # (the lines are read back only to compare them)
        incoming = [copy_values(groups[n]) for n in new]
        matches = matching.find_matches(
            session,
            active,
            [dict(zip(_COMPARED, _compared(values), strict=True)) for values in incoming],
            [_match_keys(values) for values in incoming],
        )
    for n, lead_id in zip(new, reserve_ids(session, "leads", len(new)), strict=True):
        lead_ids[n] = lead_id
    lead_constants = _constants(
        (c for c in _leads.columns if c.key != "id" and c.key not in GROUP_VALUES),
        {"created_at": now, "updated_at": now, "last_activity_at": now},
        dialect,
    )
    load_lines(
        session,
        _leads.name,
        ("id", *GROUP_VALUES, *lead_constants),
        (((lead_ids[n],), groups[n]) for n in new),
        tuple(lead_constants.values()),
    )
    touch_constants = _constants(
        (
            c
            for c in _touchpoints.columns
            if c.key not in ("id", "lead_id", "email_key", *ROW_VALUES)
        ),
        {"type": TouchpointType.IMPORT, "occurred_at": now},
        dialect,
    )
    keys = batch.keys
    load_lines(
        session,
        _touchpoints.name,
        ("lead_id", "email_key", *ROW_VALUES, *touch_constants),
        (
            ((lead_ids[group], keys[group]), row)
            for group, row in zip(batch.row_groups, batch.rows, strict=True)
        ),
        tuple(touch_constants.values()),
    )
    joined = 0
    survivors: dict[int, int] = {}  # a new lead merged into the person it matched
    for n, match in zip(new, matches, strict=True):
        new_id = lead_ids[n]
        if match is None or new_id is None:
            continue
        if match.merge:
            merging.merge_leads(
                session,
                survivor_id=match.lead_id,
                merged_id=new_id,
                actor=actor,
                reason=MergeReason.IMPORT,
                priority=match.source_priority,
                probability=match.probability,
                evidence=matching.swapped(match.evidence),
            )
            survivors[new_id] = match.lead_id
            joined += 1
        else:
            matching.offer_for_review(session, match, new_id)
    if consent is not None and batch.consents:
        people = []
        for group, imported in batch.consents:
            lead_id = lead_ids[group]
            if lead_id is not None:
                people.append((survivors.get(lead_id, lead_id), imported))
        record_imported(session, consent, people)
    if dialect.name == "postgresql":
        for setting in _BATCH_SETTINGS:
            session.execute(text(f"RESET {setting}"))
    return ImportCounts(
        rows=len(batch.rows),
        created=len(new) - joined,
        updated=updated + joined,
        merged=merged,
        rejected=0,
    )
