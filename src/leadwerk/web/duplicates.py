"""The review of duplicate leads under /duplicates: the queue of pairs (filter, paging, bulk
decisions), one pair side by side with how each field compared, and the duplicate search run
in a background thread while the page follows its steps (htmx polls it; without JavaScript
the page refreshes itself). Also the merges of a lead for its page (`web.leads`), with undo.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from leadwerk.auth.rules import can_see_lead
from leadwerk.auth.types import Principal
from leadwerk.errors import Conflict, NotFound, ValidationFailed
from leadwerk.identity import duplicates, merging, queries, review
from leadwerk.identity.models import DuplicateSearch, LeadMerge
from leadwerk.identity.types import PairStatus, SearchStatus
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database
from leadwerk.web import labels
from leadwerk.web.context import Form, Page, field, fields, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router
from leadwerk.web.timeline import Presenter, presenter

log = logging.getLogger(__name__)
router = web_router()
DuplicatesPage = Annotated[Page, Depends(require_area("duplicates"))]

NOTICES = {"dismissed": N_("The pair was marked as not a duplicate.")}
STATUS_CHOICES = (PairStatus.OPEN, PairStatus.NOT_DUPLICATE)
FILTER_FIELDS = {
    "status": N_("Status"),
    "min_probability": N_("Minimum probability"),
    "max_probability": N_("Maximum probability"),
    "cursor": N_("Page"),
    "limit": N_("Page size"),
    "pair_ids": N_("Pairs"),
    "decision": N_("Decision"),
}
CHOOSE_OFFERED = N_("Choose one of the values offered.")
# A field whose weight (log2 of its Bayes factor) reaches this, one way or the other, makes
# the pair at least 16 times more (or less) likely: strong evidence.
STRONG_WEIGHT = 4.0
WEIGHT_WORDS = {
    "for-strong": N_("strong evidence for a match (weight %(weight)s)"),
    "for": N_("some evidence for a match (weight %(weight)s)"),
    "neutral": N_("no evidence either way"),
    "against": N_("some evidence against a match (weight %(weight)s)"),
    "against-strong": N_("strong evidence against a match (weight %(weight)s)"),
}
KEPT_FROM = {"survivor": N_("the kept lead"), "merged": N_("the merged lead")}


def percent(page: Page, probability: float) -> str:
    """0.953 → "95.3%" / "95,3 %"."""
    value = format_percent(round(probability, 3), locale=page.language, decimal_quantization=False)
    return str(value)


def _row_id(value: str, name: str) -> int:
    if not (value.isdigit() and 0 < int(value) < 2**63):
        raise ValidationFailed({name: CHOOSE_OFFERED})
    return int(value)


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a bulk decision did with one pair, as the queue reports it."""

    ok: bool
    text: str
    lead_id: int | None = None  # the lead a merge kept


def _outcomes(page: Page, found: Sequence[review.BulkOutcome]) -> list[Outcome]:
    lines = []
    for o in found:
        values = {"pair": o.pair_id, "message": page.gettext(o.message)}
        if not o.ok:
            lines.append(Outcome(False, page.gettext(N_("Pair %(pair)s: %(message)s")) % values))
        elif o.survivor_id is not None:
            values["lead"] = kept = o.survivor_id
            text = page.gettext(N_("Pair %(pair)s: merged into lead %(lead)s.")) % values
            lines.append(Outcome(True, text, kept))
        else:
            text = page.gettext(N_("Pair %(pair)s: marked as not a duplicate.")) % values
            lines.append(Outcome(True, text))
    return lines


def _filter_form(raw: Mapping[str, str]) -> dict[str, str]:
    return {
        "status": raw.get("status") or PairStatus.OPEN.value,
        "min_probability": raw.get("min_probability", ""),
    }


def _render_queue(
    page: Page,
    raw: Mapping[str, str],
    spec: queries.PairFilter | None,
    *,
    errors: Mapping[str, str] | None = None,
    decided: Sequence[review.BulkOutcome] = (),
    search_error: str | None = None,
    status_code: int = 200,
) -> Response:
    """The whole page, or for htmx (the filter, the pager, a bulk decision) only the results."""
    with page.container.db.read() as session:
        result = queries.list_pairs(session, spec) if spec is not None else None
        open_count = queries.count_open(session)
    next_url = first_url = None
    if spec is not None and result is not None and result.next_cursor:
        next_url = "/duplicates?" + urlencode({**spec.to_params(), "cursor": result.next_cursor})
    if spec is not None and spec.cursor:
        first_url = "/duplicates?" + urlencode(spec.to_params())
    context: dict[str, Any] = {
        "area": "duplicates",
        "form": _filter_form(raw),
        "status_options": [(s.value, page.gettext(s.label)) for s in STATUS_CHOICES],
        "can_decide": spec is not None and spec.status is PairStatus.OPEN,
        "rows": [(v, percent(page, v.pair.probability)) for v in (result.items if result else [])],
        "open_count": open_count,
        "errors": dict(errors or {}),
        "error_fields": FILTER_FIELDS,
        "outcomes": _outcomes(page, decided),
        "next_url": next_url,
        "first_url": first_url,
        "notice": page.notice(NOTICES, raw.get("notice")),
    }
    if page.htmx:
        return page.render("duplicates/_results.html", context, status_code=status_code)
    context.update(_search_context(page, search_error))
    return page.render("duplicates/queue.html", context, status_code=status_code)


@router.get("/duplicates")
def queue(request: Request, page: DuplicatesPage) -> Response:
    raw = dict(request.query_params)
    page.on_invalid(lambda errors: _render_queue(page, raw, None, errors=errors))
    return _render_queue(page, raw, queries.parse_filter(raw))


@router.post("/duplicates/decide")
def decide(page: DuplicatesPage, form: Form) -> Response:
    """The queue's bulk buttons: merge the chosen pairs (each keeps its older lead), or mark
    them not duplicates; each pair's outcome is reported on the queue shown again."""
    raw = _filter_form({name: field(form, name) for name in ("status", "min_probability")})
    page.on_invalid(lambda errors: _render_queue(page, raw, None, errors=errors))
    spec = queries.parse_filter(raw)
    try:
        decision = review.Decision(field(form, "decision"))
    except ValueError:
        raise ValidationFailed({"decision": CHOOSE_OFFERED}) from None
    pair_ids = [_row_id(value, "pair_ids") for value in fields(form, "pair_id")]
    decided = review.decide_pairs(
        page.container.db,
        page.user,
        pair_ids,
        decision,
        priority=page.settings.identity_source_priority,
    )
    return _render_queue(page, raw, spec, decided=decided)


# --- one pair --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """One compared field of a pair: both leads' values and what the comparison said."""

    label: str
    left: str
    right: str
    tone: str  # a key of WEIGHT_WORDS, also the row's CSS modifier
    level: str
    weight: str


def _tone(weight: float | None) -> str:
    if not weight:
        return "neutral"
    side = "for" if weight > 0 else "against"
    return f"{side}-strong" if abs(weight) >= STRONG_WEIGHT else side


def _shown(lead: Lead, kind: str, compared: Any) -> str:
    """The lead's own value of a compared field (the evidence holds it as compared then)."""
    value = getattr(lead, kind) if kind in Lead.__table__.columns else compared
    return str(value) if value not in (None, "") else "–"


def _evidence(page: Page, view: queries.PairView) -> list[EvidenceRow]:
    rows = []
    for item in view.pair.evidence:
        kind, weight = str(item.get("kind", "")), item.get("weight")
        tone = _tone(weight if isinstance(weight, int | float) else None)
        number = format_decimal(weight or 0, format="+#,##0.0;−#,##0.0", locale=page.language)
        rows.append(
            EvidenceRow(
                label=page.gettext(labels.lead_field(kind)),
                left=_shown(view.left, kind, item.get("left")),
                right=_shown(view.right, kind, item.get("right")),
                tone=tone,
                level=page.gettext(labels.match_level(str(item.get("level")))),
                weight=page.gettext(WEIGHT_WORDS[tone]) % {"weight": number},
            )
        )
    return rows


def _visible_pair(session: Session, principal: Principal, pair_id: int) -> queries.PairView:
    view = queries.get_pair(session, pair_id)
    if view is None or not all(
        can_see_lead(principal, lead.owner_id, lead.team_id) for lead in (view.left, view.right)
    ):
        raise NotFound(f"There is no duplicate pair {pair_id}.")
    return view


@router.get("/duplicates/{pair_id:rowid}")
def pair_detail(pair_id: int, page: DuplicatesPage) -> Response:
    with page.container.db.read() as session:
        view = _visible_pair(session, page.user, pair_id)
        names = presenter(page, session)
        return page.render(
            "duplicates/pair.html",
            {
                "area": "duplicates",
                "view": view,
                "probability": percent(page, view.pair.probability),
                "evidence": _evidence(page, view),
                "is_open": view.pair.status is PairStatus.OPEN,
                "decided_by": names.actor(view.pair.decided_by),
            },
        )


@router.post("/duplicates/{pair_id:rowid}/merge")
def merge_pair(pair_id: int, page: DuplicatesPage, form: Form) -> Response:
    """Merge the pair, keeping the lead chosen; on to the lead kept, which offers undo."""
    keep = _row_id(field(form, "keep"), "keep")
    with page.container.db.transaction() as session:
        record = review.merge_pair(
            session, page.user, pair_id, keep=keep, priority=page.settings.identity_source_priority
        )
        survivor, merge_id = record.survivor_id, record.id
    return page.redirect(f"/leads/{survivor}?merge={merge_id}")


@router.post("/duplicates/{pair_id:rowid}/dismiss")
def dismiss_pair(pair_id: int, page: DuplicatesPage) -> Response:
    with page.container.db.transaction() as session:
        review.dismiss_pair(session, page.user, pair_id)
    return page.redirect("/duplicates?notice=dismissed")


# --- the duplicate search --------------------------------------------------------------------


def _search_context(page: Page, error: str | None = None) -> dict[str, Any]:
    search: DuplicateSearch | None = duplicates.latest_search(page.container.db)
    started_by, running, stalled = None, False, False
    if search is not None:
        with page.container.db.read() as session:
            started_by = presenter(page, session).actor(search.started_by)
        running = search.status is SearchStatus.RUNNING
        # no sign of life for long: its process ended; a new search may start (and close it)
        stalled = running and utcnow() - search.heartbeat_at >= duplicates.STALE_AFTER
    settings = page.settings
    return {
        "search": search,
        "running": running and not stalled,
        "stalled": stalled,
        "search_error": error,
        "started_by": started_by,
        "review_threshold": percent(page, settings.identity_review_threshold),
        "merge_threshold": percent(page, settings.identity_merge_threshold),
    }


@router.get("/duplicates/search")
def search_status(page: DuplicatesPage) -> Response:
    """The status panel, which htmx polls while a search runs; the page reloads at its end
    (the queue has new pairs then)."""
    if not page.htmx:
        return page.redirect("/duplicates")
    context = _search_context(page)
    headers = {} if context["running"] else {"HX-Refresh": "true"}
    return page.render("duplicates/_search.html", context, headers=headers)


@router.post("/duplicates/search")
def start_search(page: DuplicatesPage, form: Form) -> Response:
    policy = duplicates.SearchPolicy.from_settings(
        page.settings, auto_merge=field(form, "review_only") != "true"
    )
    db = page.container.db
    try:
        search_id = duplicates.start_search(db, actor=page.user.actor, auto_merge=policy.auto_merge)
    except Conflict as exc:
        spec = queries.parse_filter({})
        return _render_queue(page, {}, spec, search_error=exc.message, status_code=409)
    thread = threading.Thread(
        target=_search_in_background,
        args=(db, search_id, policy),
        name=f"duplicate-search-{search_id}",
        daemon=True,
    )
    thread.start()
    return page.redirect("/duplicates")


def _search_in_background(db: Database, search_id: int, policy: duplicates.SearchPolicy) -> None:
    try:
        duplicates.run_search(db, search_id, policy)
    except Exception:  # recorded on the search as failed; the page shows it
        log.exception("duplicate search %s failed", search_id)


# --- the merges of a lead (on its page) and undo ---------------------------------------------


def moved_to(session: Session, principal: Principal, lead_id: int) -> tuple[int, int] | None:
    """(the lead a merged-away lead lives on in, the merge that took it), if the principal
    may see that lead; None for a lead that exists or that no merge took."""
    if leads.lead_exists(session, lead_id):
        return None
    found = merging.current_survivor(session, lead_id)
    if found is None:
        return None
    record, survivor = found
    if not can_see_lead(principal, survivor.owner_id, survivor.team_id):
        return None
    return survivor.id, record.id


@dataclass(frozen=True, slots=True)
class MergeItem:
    """One merge on a lead's page."""

    id: int
    into_this: bool  # this lead was kept (else it is the lead that was merged, and is back)
    other: str  # the other lead, named
    other_id: int
    at: datetime
    by: str | None
    reason: str
    probability: str | None
    decisions: list[tuple[str, str, str, str, str]]  # field, kept, lost, kept from, why
    undone_at: datetime | None
    undone_by: str | None
    can_undo: bool


def _lead_name(values: Mapping[str, Any], presenter: Presenter, lead_id: int) -> str:
    name = " ".join(v for v in (values.get("first_name"), values.get("last_name")) if v)
    text = name or values.get("email") or values.get("phone")
    lead = presenter.lead(lead_id)
    return f"{text} ({lead})" if text else lead


def _decisions(
    page: Page, record: LeadMerge, presenter: Presenter
) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for d in record.decisions:
        name = str(d.get("field", ""))
        kept_from = KEPT_FROM.get(str(d.get("kept_from")))
        rows.append(
            (
                presenter.field(name),
                presenter.value(name, d.get("kept")),
                presenter.value(name, d.get("lost")),
                page.gettext(kept_from) if kept_from else "–",
                presenter.why(d.get("why")),
            )
        )
    return rows


def present_merges(
    page: Page, records: Sequence[LeadMerge], presenter: Presenter, lead_id: int, can_merge: bool
) -> list[MergeItem]:
    items = []
    for r in records:
        into_this = r.survivor_id == lead_id
        other_id = r.merged_id if into_this else r.survivor_id
        other_values = r.merged_before if into_this else r.survivor_before
        items.append(
            MergeItem(
                id=r.id,
                into_this=into_this,
                other=_lead_name(other_values, presenter, other_id),
                other_id=other_id,
                at=r.merged_at,
                by=presenter.actor(r.merged_by),
                reason=presenter.reason(r.reason.value),
                probability=percent(page, r.probability) if r.probability is not None else None,
                decisions=_decisions(page, r, presenter),
                undone_at=r.undone_at,
                undone_by=presenter.actor(r.undone_by),
                can_undo=can_merge and into_this and r.undone_at is None,
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class MergeNotice:
    text: str
    undo_id: int | None  # the merge to offer undoing


def merge_notice(
    page: Page, session: Session, lead_id: int, merge_param: str | None, can_merge: bool
) -> MergeNotice | None:
    """For `?merge=<id>` (after a merge, or an old address of a merged lead): "Lead X was
    merged into this lead." and the merge to offer undoing, if it is in force and led here."""
    if not merge_param or not merge_param.isdigit() or int(merge_param) >= 2**63:
        return None
    record = queries.get_merge(session, int(merge_param))
    if record is None or record.undone_at is not None:
        return None
    if record.survivor_id != lead_id:
        found = merging.current_survivor(session, record.merged_id)
        if found is None or found[1].id != lead_id:
            return None
    text = page.gettext(N_("Lead %(id)s was merged into this lead.")) % {"id": record.merged_id}
    undo = record.id if can_merge and record.survivor_id == lead_id else None
    return MergeNotice(text, undo)


@router.post("/merges/{merge_id:rowid}/undo")
def undo_merge(merge_id: int, page: DuplicatesPage) -> Response:
    """Undo a merge; on to the lead it brings back."""
    with page.container.db.transaction() as session:
        restored = review.undo(session, page.user, merge_id).merged_id
    return page.redirect(f"/leads/{restored}?notice=unmerged")
