"""The duplicate search over every lead: the use case behind `leadwerk duplicates find` (and,
next, the UI's "find duplicates" job).

1. read the compared fields of all leads (streamed);
2. link them in memory (`linkage.link`: blocking, comparisons, EM, scores);
3. in one transaction: store the learned model (`match_models`), replace the open pairs with
   the pairs now at or above the review threshold, each with its explanation. Decided pairs
   stay as they are: a pair marked "not a duplicate" is never offered again, a merged one is
   history.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import delete, func, insert, select

from leadwerk.identity import linkage
from leadwerk.identity.comparisons import FieldKind
from leadwerk.identity.intake import LEAD_FIELDS
from leadwerk.identity.models import DuplicatePair, MatchModel
from leadwerk.identity.types import PairStatus, SearchSummary
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

_READ_BATCH = 50_000

Progress = Callable[[str], None]


def read_leads(db: Database) -> tuple[list[int], dict[FieldKind, list[str | None]]]:
    """Every lead's id and compared fields, as columns, streamed in batches."""
    columns = [getattr(Lead, name) for name in LEAD_FIELDS]
    ids: list[int] = []
    values: dict[FieldKind, list[str | None]] = {kind: [] for kind in LEAD_FIELDS.values()}
    lists = list(values.values())
    with db.read() as session:
        rows = session.execute(
            select(Lead.id, *columns).order_by(Lead.id).execution_options(yield_per=_READ_BATCH)
        )
        for row in rows:
            ids.append(row[0])
            for target, value in zip(lists, row[1:], strict=True):
                target.append(value)
    return ids, values


def find_duplicates(
    db: Database,
    *,
    threshold: float,
    merge_threshold: float = 0.99,
    progress: Progress | None = None,
) -> SearchSummary:
    """Search all leads for duplicates; the pairs at or above `threshold` become open pairs.
    The model is stored with both thresholds: intake scores with it from then on."""
    report = progress or (lambda _: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    report("reading leads")
    ids, values = read_leads(db)
    seconds["read"] = time.perf_counter() - started

    report(f"comparing {len(ids):,} leads")
    result = linkage.link(values)
    chosen = result.above(threshold)
    seconds.update(result.seconds)

    started = time.perf_counter()
    report(f"storing {len(chosen):,} pairs")
    with db.transaction() as session:
        model = MatchModel(
            leads=len(ids),
            candidate_pairs=len(result.left),
            prior=result.model.prior,
            converged=result.model.converged,
            parameters=result.model.to_dict(),
            review_threshold=threshold,
            merge_threshold=merge_threshold,
        )
        session.add(model)
        session.flush()
        decided = {
            (left, right)
            for left, right in session.execute(
                select(DuplicatePair.left_lead_id, DuplicatePair.right_lead_id).where(
                    DuplicatePair.status != PairStatus.OPEN
                )
            )
        }
        session.execute(delete(DuplicatePair).where(DuplicatePair.status == PairStatus.OPEN))
        now = utcnow()
        rows = []
        for pair in chosen.tolist():
            left, right = ids[result.left[pair]], ids[result.right[pair]]
            left, right = min(left, right), max(left, right)
            if (left, right) in decided:
                continue
            rows.append(
                {
                    "left_lead_id": left,
                    "right_lead_id": right,
                    "probability": float(result.probabilities[pair]),
                    "evidence": [e.to_dict() for e in result.explain(pair)],
                    "model_id": model.id,
                    "status": PairStatus.OPEN,
                    "found_at": now,
                }
            )
        if rows:
            session.execute(insert(DuplicatePair), rows)
        open_pairs = session.scalar(
            select(func.count())
            .select_from(DuplicatePair)
            .where(DuplicatePair.status == PairStatus.OPEN)
        )
        model_id = model.id
    seconds["store"] = time.perf_counter() - started
    return SearchSummary(
        model_id=model_id,
        leads=len(ids),
        candidate_pairs=len(result.left),
        pairs=len(rows),
        open_pairs=int(open_pairs or 0),
        threshold=threshold,
        seconds=seconds,
    )
