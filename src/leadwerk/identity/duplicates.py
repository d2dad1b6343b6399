"""The duplicate search over every lead, run as a job (`duplicate_searches`) that the CLI
(`leadwerk duplicates find`) and the UI start and follow.

1. read the compared fields of all leads (streamed);
2. link them in memory (`linkage.link`: blocking, comparisons, EM, scores);
3. in one transaction: store the learned model (`match_models`, with the thresholds and the
   source priority in force), replace the open pairs with the pairs now between the review
   and the merge threshold, each with its explanation. Decided pairs stay as they are: a pair
   marked "not a duplicate" is never offered again;
4. merge the pairs at or above the merge threshold, cluster by cluster into the cluster's
   oldest lead, a transaction per batch of clusters; a lead merged or deleted since step 1,
   or a pair decided "not a duplicate", is left alone.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from leadwerk.errors import Conflict, NotFound
from leadwerk.identity import linkage, merging
from leadwerk.identity.comparisons import FieldKind
from leadwerk.identity.intake import LEAD_FIELDS
from leadwerk.identity.models import DuplicatePair, DuplicateSearch, MatchModel
from leadwerk.identity.rules import may_merge_unasked
from leadwerk.identity.types import MergeReason, PairStatus, SearchStatus, SearchSummary
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

if TYPE_CHECKING:
    from leadwerk.settings import Settings

_READ_BATCH = 50_000
_CLUSTERS_PER_TRANSACTION = 50
# A search whose heartbeat is older than this is taken for dead (its process ended).
STALE_AFTER = timedelta(minutes=15)
ACTOR = "duplicate-search"

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class SearchPolicy:
    review_threshold: float
    merge_threshold: float = 0.99
    source_priority: Sequence[str] = ()
    auto_merge: bool = True

    @classmethod
    def from_settings(cls, settings: Settings, *, auto_merge: bool = True) -> SearchPolicy:
        return cls(
            review_threshold=settings.identity_review_threshold,
            merge_threshold=settings.identity_merge_threshold,
            source_priority=tuple(settings.identity_source_priority),
            auto_merge=auto_merge,
        )


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


def start_search(db: Database, *, actor: str, auto_merge: bool = True) -> int:
    """A new search job (its id), unless one is running: one at a time, since each replaces
    the open pairs of the one before."""
    with db.transaction() as session:
        running = session.scalars(
            select(DuplicateSearch).where(DuplicateSearch.status == SearchStatus.RUNNING)
        ).all()
        now = utcnow()
        for search in running:
            if now - search.heartbeat_at < STALE_AFTER:
                raise Conflict(
                    f"Duplicate search {search.id} is running (started by {search.started_by}); "
                    "wait for it to finish."
                )
            search.status = SearchStatus.FAILED
            search.error = "The process running it ended before it finished."
            search.finished_at = now
        search = DuplicateSearch(
            status=SearchStatus.RUNNING,
            started_by=actor,
            started_at=now,
            heartbeat_at=now,
            step="starting",
            auto_merge=auto_merge,
        )
        session.add(search)
        session.flush()
        return search.id


def get_search(db: Database, search_id: int) -> DuplicateSearch:
    with db.read() as session:
        search = session.get(DuplicateSearch, search_id)
    if search is None:
        raise NotFound(f"There is no duplicate search {search_id}.")
    return search


def latest_search(db: Database) -> DuplicateSearch | None:
    with db.read() as session:
        return session.scalars(
            select(DuplicateSearch).order_by(DuplicateSearch.id.desc()).limit(1)
        ).first()


def run_search(
    db: Database, search_id: int, policy: SearchPolicy, *, progress: Progress | None = None
) -> SearchSummary:
    """Run the search job `search_id` (from `start_search`) to its end; its record follows
    each step. A failure is recorded on it and raised again."""

    def report(step: str) -> None:
        with db.transaction() as session:
            search = session.get(DuplicateSearch, search_id)
            if search is not None:
                search.step = step[:200]
                search.heartbeat_at = utcnow()
        if progress is not None:
            progress(step)

    try:
        summary = find_duplicates(db, policy, progress=report)
    except Exception as exc:
        with db.transaction() as session:
            search = session.get(DuplicateSearch, search_id)
            if search is not None:
                search.status = SearchStatus.FAILED
                search.error = str(exc)[:2000] or type(exc).__name__
                search.finished_at = utcnow()
        raise
    with db.transaction() as session:
        search = session.get(DuplicateSearch, search_id)
        if search is not None:
            search.status = SearchStatus.DONE
            search.step = "done"
            search.finished_at = utcnow()
            search.leads = summary.leads
            search.pairs = summary.pairs
            search.merged = summary.merged
            search.model_id = summary.model_id
    return summary


def find_duplicates(
    db: Database, policy: SearchPolicy, *, progress: Progress | None = None
) -> SearchSummary:
    """Search all leads for duplicates: pairs between the thresholds become open pairs, pairs
    at or above the merge threshold are merged (with `policy.auto_merge`; else offered too).
    The model is stored with the policy: intake scores and merges with it from then on."""
    report = progress or (lambda _: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    report("reading leads")
    ids, values = read_leads(db)
    seconds["read"] = time.perf_counter() - started

    report(f"comparing {len(ids):,} leads")
    result = linkage.link(values)
    chosen = result.above(policy.review_threshold)
    seconds.update(result.seconds)

    started = time.perf_counter()
    report(f"storing {len(chosen):,} pairs")
    automatic = policy.auto_merge
    to_merge: list[tuple[int, int, float, list[dict[str, Any]]]] = []
    with db.transaction() as session:
        model = MatchModel(
            leads=len(ids),
            candidate_pairs=len(result.left),
            prior=result.model.prior,
            converged=result.model.converged,
            parameters=result.model.to_dict(),
            review_threshold=policy.review_threshold,
            merge_threshold=policy.merge_threshold,
            source_priority=list(policy.source_priority),
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
            chance = float(result.probabilities[pair])
            evidence = [e.to_dict() for e in result.explain(pair)]
            if automatic and chance >= policy.merge_threshold and may_merge_unasked(evidence):
                to_merge.append((left, right, chance, evidence))
                continue
            rows.append(
                {
                    "left_lead_id": left,
                    "right_lead_id": right,
                    "probability": chance,
                    "evidence": evidence,
                    "model_id": model.id,
                    "status": PairStatus.OPEN,
                    "found_at": now,
                }
            )
        if rows:
            session.execute(insert(DuplicatePair), rows)
        model_id = model.id
    seconds["store"] = time.perf_counter() - started

    started = time.perf_counter()
    merged = merge_clusters(db, to_merge, policy.source_priority, progress=report)
    seconds["merge"] = time.perf_counter() - started
    with db.read() as session:
        open_pairs = session.scalar(
            select(func.count())
            .select_from(DuplicatePair)
            .where(DuplicatePair.status == PairStatus.OPEN)
        )
    return SearchSummary(
        model_id=model_id,
        leads=len(ids),
        candidate_pairs=len(result.left),
        pairs=len(rows),
        merged=merged,
        open_pairs=int(open_pairs or 0),
        threshold=policy.review_threshold,
        seconds=seconds,
    )


def merge_clusters(
    db: Database,
    pairs: Sequence[tuple[int, int, float, list[dict[str, Any]]]],
    priority: Sequence[str],
    *,
    progress: Progress | None = None,
) -> int:
    """Merge each cluster the pairs (left, right, probability, evidence) make into its oldest
    lead; returns how many leads were merged away."""
    if not pairs:
        return 0
    lead_ids = sorted({lead for pair in pairs for lead in pair[:2]})
    position = {lead: n for n, lead in enumerate(lead_ids)}
    left = np.array([position[p[0]] for p in pairs], dtype=np.int64)
    right = np.array([position[p[1]] for p in pairs], dtype=np.int64)
    roots = linkage.clusters(len(lead_ids), left, right)
    members: dict[int, list[int]] = defaultdict(list)
    for n, root in enumerate(roots.tolist()):
        members[root].append(lead_ids[n])
    best: dict[int, tuple[float, list[dict[str, Any]]]] = {}
    for a, b, chance, evidence in pairs:
        for lead in (a, b):
            if lead not in best or chance > best[lead][0]:
                best[lead] = (chance, evidence)
    groups = list(members.values())
    merged = 0
    for start in range(0, len(groups), _CLUSTERS_PER_TRANSACTION):
        if progress is not None:
            progress(f"merging: {start:,} of {len(groups):,} groups of duplicates")
        with db.transaction() as session:
            for group in groups[start : start + _CLUSTERS_PER_TRANSACTION]:
                merged += _merge_group(session, group, best, priority)
    return merged


def _merge_group(
    session: Session,
    group: list[int],
    best: dict[int, tuple[float, list[dict[str, Any]]]],
    priority: Sequence[str],
) -> int:
    present = session.execute(
        select(Lead.id, Lead.created_at).where(Lead.id.in_(group)).order_by(Lead.id)
    ).all()
    if len(present) < 2:
        return 0
    survivor = min(present, key=lambda row: (row.created_at, row.id)).id
    merged = 0
    for row in present:
        if row.id == survivor or _kept_apart(session, survivor, row.id):
            continue
        chance, evidence = best[row.id]
        with session.begin_nested():
            merging.merge_leads(
                session,
                survivor_id=survivor,
                merged_id=row.id,
                actor=ACTOR,
                reason=MergeReason.SEARCH,
                priority=priority,
                probability=chance,
                evidence=evidence,
            )
        merged += 1
    return merged


def _kept_apart(session: Session, a: int, b: int) -> bool:
    """Whether a person said these two are not the same (also through a merge since)."""
    status = session.scalar(
        select(DuplicatePair.status).where(
            DuplicatePair.left_lead_id == min(a, b), DuplicatePair.right_lead_id == max(a, b)
        )
    )
    return status is PairStatus.NOT_DUPLICATE
