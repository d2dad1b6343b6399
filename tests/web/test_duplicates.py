"""The review of duplicates through the UI: the queue (filter, paging, bulk decisions), one pair
field by field, merge (either lead kept) and "not a duplicate", the merges of a lead with undo,
the address of a merged lead, the duplicate search as a background job, who may do it, German."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth import service as auth
from leadwerk.auth.types import Role
from leadwerk.identity import duplicates, review
from leadwerk.identity.comparisons import COMPARISONS
from leadwerk.identity.models import DuplicatePair, DuplicateSearch, LeadMerge
from leadwerk.identity.survivorship import Why
from leadwerk.identity.types import MergeReason, PairStatus, SearchStatus
from leadwerk.leads import service as leads
from leadwerk.leads.models import Lead
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from leadwerk.web import duplicates as duplicate_views
from leadwerk.web import labels
from tests.conftest import TEST_SECRET
from tests.factories.auth import make_user
from tests.factories.identity import load_planted
from tests.factories.leads import make_lead
from tests.web.conftest import HTML, csrf_token, page_token, signed_in
from tests.web.test_i18n import _catalog

EVIDENCE = [
    {"kind": "first_name", "level": "exact", "left": "anna", "right": "anna", "weight": 6.5},
    {
        "kind": "last_name",
        "level": "same sound",
        "left": "muller",
        "right": "mueller",
        "weight": 2.25,
    },
    {"kind": "email", "level": "different", "left": "a@x.de", "right": "b@y.de", "weight": -1.5},
    {"kind": "phone", "level": "missing", "left": None, "right": "+49301234567", "weight": 0.0},
    {"kind": "company", "level": "different", "left": "x", "right": "y", "weight": -4.75},
]
PAIR_ROW = re.compile(r'<tr id="pair-(\d+)">')
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Pair:
    id: int
    left: int  # the older lead
    right: int


def _pair(db: Database, n: int, probability: float, status: PairStatus = PairStatus.OPEN) -> Pair:
    """Two leads of one Anna (the older one first) and the pair the search would offer."""
    with db.transaction() as s:
        left = make_lead(
            s, email=f"anna.mueller{n}@example.de", first_name="Anna", last_name="Müller",
            company=f"Müller & Söhne <{n}>", created_at=T0, updated_at=T0,
        )  # fmt: skip
        later = T0 + timedelta(days=1)
        right = make_lead(
            s, email=f"a.mueller{n}@example.com", first_name="Anna", last_name="Mueller",
            phone=f"030 12345{n:02d}", country="DE", created_at=later, updated_at=later,
        )  # fmt: skip
        pair = DuplicatePair(
            left_lead_id=left.id,
            right_lead_id=right.id,
            probability=probability,
            evidence=EVIDENCE,
            status=status,
        )
        s.add(pair)
        s.flush()
        return Pair(pair.id, left.id, right.id)


def _post(client: TestClient, path: str, data: dict[str, object] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    token = page_token(client, "/duplicates")
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kw)  # type: ignore[arg-type]


def _merge(db: Database, merge_id: int) -> LeadMerge:
    with db.read() as s:
        record = s.get(LeadMerge, merge_id)
        assert record is not None
        return record


def _exists(db: Database, lead_id: int) -> bool:
    with db.read() as s:
        return leads.lead_exists(s, lead_id)


# --- the queue -------------------------------------------------------------------------------


def test_the_queue_lists_open_pairs_most_likely_first(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING)
    likely, surest, unsure = _pair(db, 1, 0.912), _pair(db, 2, 0.97), _pair(db, 3, 0.85)
    decided = _pair(db, 4, 0.99, PairStatus.NOT_DUPLICATE)
    r = client.get("/duplicates")
    assert r.status_code == 200
    assert [int(i) for i in PAIR_ROW.findall(r.text)] == [surest.id, likely.id, unsure.id]
    assert '<span class="badge">Open pairs: 3</span>' in r.text
    assert '<th scope="row" data-label="Probability">97%</th>' in r.text
    assert '<th scope="row" data-label="Probability">91.2%</th>' in r.text
    row = r.text.split(f'<tr id="pair-{surest.id}">')[1].split("</tr>")[0]
    assert f'<a href="/leads/{surest.left}">Anna Müller</a>' in row
    assert '<span class="cell-sub">anna.mueller2@example.de</span>' in row
    assert '<span class="cell-sub">Müller &amp; Söhne &lt;2&gt;</span>' in row  # escaped
    assert f'<a href="/leads/{surest.right}">Anna Mueller</a>' in row
    assert '<span class="cell-sub">a.mueller2@example.com</span>' in row
    assert '<span class="cell-sub">+49301234502</span>' in row
    assert f'name="pair_id" value="{surest.id}"' in row
    assert f'<a class="button button--small" href="/duplicates/{surest.id}">Compare</a>' in row

    likely_only = client.get("/duplicates?min_probability=0.9")
    assert [int(i) for i in PAIR_ROW.findall(likely_only.text)] == [surest.id, likely.id]
    assert 'name="min_probability" type="number"' in likely_only.text
    assert 'value="0.9"' in likely_only.text
    dismissed = client.get("/duplicates?status=not_duplicate")
    assert [int(i) for i in PAIR_ROW.findall(dismissed.text)] == [decided.id]
    assert 'name="pair_id"' not in dismissed.text
    assert "Merge selected" not in dismissed.text
    assert '<option value="not_duplicate" selected>Not a duplicate</option>' in dismissed.text


def test_the_queue_pages_and_htmx_swaps_only_the_results(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    made = [_pair(db, n, 0.95 - n / 100) for n in range(3)]
    first = client.get("/duplicates?limit=2")
    assert [int(i) for i in PAIR_ROW.findall(first.text)] == [made[0].id, made[1].id]
    found = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert found is not None
    url = found.group(1).replace("&amp;", "&")
    assert url.startswith("/duplicates?limit=2&cursor=")
    second = client.get(url, headers={"HX-Request": "true"})
    assert second.text.startswith('<p class="page-head__meta" id="open-count" hx-swap-oob="true">')
    assert "<html" not in second.text
    assert [int(i) for i in PAIR_ROW.findall(second.text)] == [made[2].id]
    assert '<a class="button button--quiet" href="/duplicates?limit=2"' in second.text


def test_an_invalid_filter_is_named(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    r = client.get("/duplicates?min_probability=2&status=maybe")
    assert r.status_code == 422
    assert "<li>Minimum probability: min_probability must be between 0 and 1.</li>" in r.text
    assert (
        "<li>Status: Unknown status &#39;maybe&#39;; use one of open, merged, not_duplicate.</li>"
        in r.text
    )
    assert 'aria-invalid="true" aria-describedby="f-min_probability-error"' in r.text


# --- one pair --------------------------------------------------------------------------------

EVIDENCE_ROW = re.compile(
    r'<tr class="evidence evidence--([\w-]+)">\s*<th scope="row" data-label="[^"]+">([^<]*)</th>'
    r'\s*<td data-label="[^"]+">([^<]*)</td>\s*<td data-label="[^"]+">([^<]*)</td>'
    r'\s*<td data-label="[^"]+"><span><strong>([^<]*)</strong>'
    r'<span class="cell-sub">([^<]*)</span>'
)


def test_the_pair_page_shows_both_leads_field_by_field(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    pair = _pair(db, 1, 0.953)
    r = client.get(f"/duplicates/{pair.id}")
    assert r.status_code == 200
    assert "<h1>Anna Müller · Anna Mueller</h1>" in r.text
    assert "<span>95.3% likely the same person</span>" in r.text
    assert EVIDENCE_ROW.findall(r.text) == [
        ("for-strong", "First name", "Anna", "Anna", "the same",
         "strong evidence for a match (weight +6.5)"),
        ("for", "Last name", "Müller", "Mueller", "sounds the same",
         "some evidence for a match (weight +2.2)"),
        ("against", "Email", "anna.mueller1@example.de", "a.mueller1@example.com", "different",
         "some evidence against a match (weight −1.5)"),
        ("neutral", "Phone", "–", "+49301234501", "one side is empty", "no evidence either way"),
        ("against-strong", "Company", "Müller &amp; Söhne &lt;1&gt;", "–", "different",
         "strong evidence against a match (weight −4.8)"),
    ]  # fmt: skip
    for action, keep in (("merge", pair.left), ("merge", pair.right)):
        assert (
            f'<form method="post" action="/duplicates/{pair.id}/{action}" class="inline-form">'
        ) in r.text
        assert f'<input type="hidden" name="keep" value="{keep}">' in r.text
    assert ">Merge, keep the left lead</button>" in r.text
    assert ">Merge, keep the right lead</button>" in r.text
    assert f'action="/duplicates/{pair.id}/dismiss"' in r.text
    assert client.get("/duplicates/999999").status_code == 404


@pytest.mark.parametrize("side", ["left", "right"])
def test_merge_from_the_pair_page_keeps_the_lead_chosen(
    client: TestClient, db: Database, side: str
) -> None:
    anna = signed_in(client, db)
    pair = _pair(db, 1, 0.93)
    keep, other = (pair.left, pair.right) if side == "left" else (pair.right, pair.left)
    r = _post(client, f"/duplicates/{pair.id}/merge", {"keep": keep}, follow_redirects=False)
    assert r.status_code == 303
    with db.read() as s:
        record = s.scalars(select(LeadMerge)).one()
        assert s.get(DuplicatePair, pair.id) is None  # the pair went with the merged lead
    assert r.headers["location"] == f"/leads/{keep}?merge={record.id}"
    assert (record.survivor_id, record.merged_id, record.reason) == (
        keep,
        other,
        MergeReason.REVIEW,
    )
    assert (record.probability, record.merged_by, record.undone_at) == (
        0.93,
        f"user:{anna.id}",
        None,
    )
    assert (_exists(db, keep), _exists(db, other)) == (True, False)
    page = client.get(r.headers["location"])
    assert f"<p>Lead {other} was merged into this lead.</p>" in page.text
    assert f'<form method="post" action="/merges/{record.id}/undo" class="inline-form">' in (
        page.text
    )


def test_a_bad_choice_of_lead_to_keep_is_refused(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    pair = _pair(db, 1, 0.93)
    assert _post(client, f"/duplicates/{pair.id}/merge", {"keep": "abc"}).status_code == 422
    stranger = _pair(db, 2, 0.9).left
    r = _post(client, f"/duplicates/{pair.id}/merge", {"keep": stranger})
    assert r.status_code == 422
    assert f"Keep lead {pair.left} or lead {pair.right} of this pair." in r.text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(LeadMerge)) == 0


def test_not_a_duplicate(client: TestClient, db: Database) -> None:
    anna = signed_in(client, db)
    pair, other = _pair(db, 1, 0.93), _pair(db, 2, 0.9)
    r = _post(client, f"/duplicates/{pair.id}/dismiss", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/duplicates?notice=dismissed")
    with db.read() as s:
        stored = s.get(DuplicatePair, pair.id)
        assert stored is not None
        assert (stored.status, stored.decided_by) == (PairStatus.NOT_DUPLICATE, f"user:{anna.id}")
    queue = client.get(r.headers["location"])
    assert (
        '<p class="alert alert--ok" role="status">The pair was marked as not a duplicate.</p>'
        in (queue.text)
    )
    assert [int(i) for i in PAIR_ROW.findall(queue.text)] == [other.id]
    decided = client.get(f"/duplicates/{pair.id}")
    assert f"{anna.name} decided this pair on" in decided.text
    assert "Merge, keep the left lead" not in decided.text
    again = _post(client, f"/duplicates/{pair.id}/dismiss")
    assert again.status_code == 409
    assert f"Pair {pair.id} was decided already (not_duplicate)." in again.text


# --- bulk decisions --------------------------------------------------------------------------

OUTCOME = re.compile(r'<li class="outcome--(ok|failed)">([^<]*)')


def test_bulk_merge_reports_each_pair(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    first, second = _pair(db, 1, 0.95), _pair(db, 2, 0.9)
    decided = _pair(db, 3, 0.8, PairStatus.NOT_DUPLICATE)
    left_open = _pair(db, 4, 0.85)
    r = _post(
        client,
        "/duplicates/decide",
        {"decision": "merge", "pair_id": [first.id, decided.id, second.id]},
    )
    assert r.status_code == 200
    assert OUTCOME.findall(r.text) == [
        ("ok", f"Pair {first.id}: merged into lead {first.left}. "),
        ("failed", f"Pair {decided.id}: Pair {decided.id} was decided already (not_duplicate)."),
        ("ok", f"Pair {second.id}: merged into lead {second.left}. "),
    ]
    assert '<div class="alert alert--error" role="status" id="outcomes">' in r.text
    with db.read() as s:
        merges = s.execute(
            select(LeadMerge.survivor_id, LeadMerge.merged_id).order_by(LeadMerge.id)
        ).all()
    assert [tuple(m) for m in merges] == [(first.left, first.right), (second.left, second.right)]
    assert [int(i) for i in PAIR_ROW.findall(r.text)] == [left_open.id]
    assert '<span class="badge">Open pairs: 1</span>' in r.text


def test_bulk_not_duplicates_through_htmx(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    first, second = _pair(db, 1, 0.95), _pair(db, 2, 0.9)
    r = _post(
        client,
        "/duplicates/decide",
        {"decision": "not_duplicate", "pair_id": [second.id, 999999, first.id]},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    assert "<html" not in r.text
    assert OUTCOME.findall(r.text) == [
        ("ok", f"Pair {second.id}: marked as not a duplicate."),
        ("failed", "Pair 999999: There is no duplicate pair 999999."),
        ("ok", f"Pair {first.id}: marked as not a duplicate."),
    ]
    assert '<span class="badge">Open pairs: 0</span>' in r.text
    with db.read() as s:
        statuses = s.scalars(select(DuplicatePair.status).order_by(DuplicatePair.id)).all()
    assert statuses == [PairStatus.NOT_DUPLICATE, PairStatus.NOT_DUPLICATE]


def test_a_bulk_decision_needs_pairs_and_a_decision(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    none = _post(client, "/duplicates/decide", {"decision": "merge"})
    assert none.status_code == 422
    assert "<li>Pairs: Choose at least one pair.</li>" in none.text
    pair = _pair(db, 1, 0.9)
    odd = _post(client, "/duplicates/decide", {"decision": "maybe", "pair_id": pair.id})
    assert odd.status_code == 422
    assert "<li>Decision: Choose one of the values offered.</li>" in odd.text


# --- who may -----------------------------------------------------------------------------------


def test_sales_reps_do_not_review_duplicates(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.SALES)
    pair = _pair(db, 1, 0.9)
    for path in ("/duplicates", f"/duplicates/{pair.id}"):
        r = client.get(path)
        assert r.status_code == 403, path
        assert "Your role does not allow you to open this page." in r.text
    token = page_token(client, "/leads")
    for path in (f"/duplicates/{pair.id}/merge", "/duplicates/search", "/merges/1/undo"):
        assert client.post(path, data={"csrf_token": token}).status_code == 403, path
    assert 'href="/duplicates"' not in client.get("/leads").text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(DuplicateSearch)) == 0


# --- a lead's merges and undo ----------------------------------------------------------------

MERGE_FACTS = re.compile(r"<dt>(When|By|Why|Undone)</dt><dd>(.*?)</dd>")
DECISION_ROW = re.compile(
    r'<tr>\s*<th scope="row" data-label="Field">([^<]*)</th>\s*'
    r'<td data-label="Kept">([^<]*)</td>\s*<td data-label="Lost">([^<]*)</td>\s*'
    r'<td data-label="Kept from">([^<]*)</td>\s*<td data-label="Why">([^<]*)</td>'
)


def _card(html: str) -> str:
    return html.split('<section class="card" aria-labelledby="h-merges" id="merges">')[1].split(
        "</section>"
    )[0]


def test_the_merges_card_and_undo(client: TestClient, db: Database) -> None:
    anna = signed_in(client, db)
    pair = _pair(db, 1, 0.93)
    merged = _post(client, f"/duplicates/{pair.id}/merge", {"keep": pair.left})
    record = _merge(db, int(merged.url.params["merge"]))
    card = _card(merged.text)
    assert f"Anna Mueller (Lead {pair.right}) was merged into this lead." in card
    facts = [(k, re.sub(r"<[^>]+>", "", v)) for k, v in MERGE_FACTS.findall(card)]
    assert facts[1:] == [
        ("By", anna.name),
        ("Why", "Merged from the review queue (93% likely the same person)"),
    ]
    assert DECISION_ROW.findall(card) == [
        ("Email", "a.mueller1@example.com", "anna.mueller1@example.de", "the merged lead",
         "more recent"),
        ("Phone", "+49301234501", "–", "the merged lead", "the other lead had none"),
        ("Name", "Anna Mueller", "Anna Müller", "the merged lead", "more recent"),
        ("Country", "DE", "–", "the merged lead", "the other lead had none"),
    ]  # fmt: skip
    assert f'<form method="post" action="/merges/{record.id}/undo" class="actions">' in card

    undone = _post(client, f"/merges/{record.id}/undo", follow_redirects=False)
    assert (undone.status_code, undone.headers["location"]) == (
        303,
        f"/leads/{pair.right}?notice=unmerged",
    )
    assert (_exists(db, pair.left), _exists(db, pair.right)) == (True, True)
    assert _merge(db, record.id).undone_by == f"user:{anna.id}"
    restored = client.get(undone.headers["location"])
    assert "The merge was undone: this lead is on its own again." in restored.text
    assert "<h1>Anna Mueller</h1>" in restored.text
    back = _card(restored.text)
    assert f"This lead was merged into Anna Müller (Lead {pair.left})." in back
    assert '<span class="badge">Undone</span>' in back
    assert "/undo" not in back
    survivor = _card(client.get(f"/leads/{pair.left}").text)
    assert '<span class="badge">Undone</span>' in survivor
    assert "/undo" not in survivor
    twice = _post(client, f"/merges/{record.id}/undo")
    assert twice.status_code == 409
    assert f"Merge {record.id} was undone already." in twice.text


def test_the_timeline_tells_of_the_merge(client: TestClient, db: Database) -> None:
    signed_in(client, db, language="en")
    pair = _pair(db, 1, 0.93)
    merged = _post(client, f"/duplicates/{pair.id}/merge", {"keep": pair.left})
    merge_id = merged.url.params["merge"]
    timeline = merged.text.split('id="h-timeline"')[1]
    item = timeline.split('<p class="timeline__title">Another lead was merged into this one</p>')[
        1
    ].split("</li>")[0]
    lines = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", item)
    assert lines == [
        ("Merge", merge_id),
        ("Merged lead", f"Lead {pair.right}"),
        ("Reason", "Merged from the review queue"),
        ("Email", "a.mueller1@example.com kept (more recent), anna.mueller1@example.de dropped"),
        ("Phone", "+49301234501 kept (the other lead had none)"),
        ("Name", "Anna Mueller kept (more recent), Anna Müller dropped"),
        ("Country", "DE kept (the other lead had none)"),
    ]
    _post(client, f"/merges/{merge_id}/undo")
    restored = client.get(f"/leads/{pair.right}").text.split('id="h-timeline"')[1]
    assert '<p class="timeline__title">Merge undone</p>' in restored
    assert '<p class="timeline__title">Merged into another lead</p>' in restored
    assert f"<dt>Other lead</dt><dd>Lead {pair.left}</dd>" in restored
    assert f"<dt>Kept lead</dt><dd>Lead {pair.left}</dd>" in restored


def test_a_merged_leads_address_leads_to_the_survivor(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    pair = _pair(db, 1, 0.93)
    merged = _post(client, f"/duplicates/{pair.id}/merge", {"keep": pair.right})
    merge_id = int(merged.url.params["merge"])
    r = client.get(f"/leads/{pair.left}", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, f"/leads/{pair.right}?merge={merge_id}")
    page = client.get(r.headers["location"])
    assert f"<p>Lead {pair.left} was merged into this lead.</p>" in page.text
    # a merge id that did not lead here says nothing
    other = _pair(db, 2, 0.9)
    assert (
        "was merged into this lead.</p>"
        not in client.get(f"/leads/{other.left}?merge={merge_id}").text
    )
    assert client.get("/leads/999999").status_code == 404


def test_a_chain_of_merges_and_undo_in_the_wrong_order(client: TestClient, db: Database) -> None:
    signed_in(client, db)
    first = _pair(db, 1, 0.93)
    with db.transaction() as s:
        third = make_lead(s, email="anna@third.example", first_name="Anna").id
        chained = DuplicatePair(
            left_lead_id=first.left, right_lead_id=third, probability=0.9, evidence=EVIDENCE
        )
        s.add(chained)
        s.flush()
        chained_id = chained.id
    one = _post(client, f"/duplicates/{first.id}/merge", {"keep": first.left})
    first_merge = int(one.url.params["merge"])
    two = _post(client, f"/duplicates/{chained_id}/merge", {"keep": third})
    second_merge = int(two.url.params["merge"])
    r = client.get(f"/leads/{first.right}", follow_redirects=False)
    assert r.headers["location"] == f"/leads/{third}?merge={first_merge}"
    page = client.get(r.headers["location"])
    assert f"<p>Lead {first.right} was merged into this lead.</p>" in page.text
    assert f'action="/merges/{first_merge}/undo"' not in page.text  # undo the later one first
    wrong = _post(client, f"/merges/{first_merge}/undo")
    assert wrong.status_code == 409
    assert (
        f"Lead {first.left} was merged into lead {third} afterwards (merge {second_merge}); "
        "undo that merge first."
    ) in wrong.text
    assert _post(client, f"/merges/{second_merge}/undo").status_code == 200
    assert _post(client, f"/merges/{first_merge}/undo").status_code == 200
    assert all(_exists(db, lead) for lead in (first.left, first.right, third))


def test_a_sales_rep_sees_merges_but_cannot_undo(client: TestClient, db: Database) -> None:
    rep = signed_in(client, db, Role.SALES)
    pair = _pair(db, 1, 0.93)
    with db.transaction() as s:
        admin = make_user(s)
        kept = s.get(Lead, pair.left)
        assert kept is not None
        kept.owner_id = rep.id
        review.merge_pair(s, auth.user_principal(admin), pair.id, keep=None, priority=())
    r = client.get(f"/leads/{pair.right}", follow_redirects=False)
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert f"<p>Lead {pair.right} was merged into this lead.</p>" in page.text
    assert "/undo" not in page.text
    assert f"Anna Mueller (Lead {pair.right}) was merged into this lead." in _card(page.text)
    with db.transaction() as s:
        lead = s.get(Lead, pair.left)
        assert lead is not None
        lead.owner_id = None
    assert client.get(f"/leads/{pair.right}").status_code == 404  # not to a lead hidden from him


# --- the duplicate search --------------------------------------------------------------------


def test_a_running_search_refuses_a_second_and_is_followed(
    client: TestClient, db: Database
) -> None:
    signed_in(client, db, Role.MARKETING)
    search_id = duplicates.start_search(db, actor="cli")
    page = client.get("/duplicates")
    assert '<p role="status">Searching: starting</p>' in page.text
    assert 'hx-get="/duplicates/search" hx-trigger="every 1s" hx-swap="outerHTML"' in page.text
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page.text
    assert ">Find duplicates</button>" not in page.text
    r = _post(client, "/duplicates/search")
    assert r.status_code == 409
    assert (
        f"Duplicate search {search_id} is running (started by cli); wait for it to finish."
    ) in r.text
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(DuplicateSearch)) == 1
    poll = client.get("/duplicates/search", headers={"HX-Request": "true"})
    assert poll.text.startswith('<section class="card" aria-labelledby="h-search"')
    assert "HX-Refresh" not in poll.headers
    with db.transaction() as s:
        search = s.get(DuplicateSearch, search_id)
        assert search is not None
        search.status, search.error = SearchStatus.FAILED, "out of memory"
    done = client.get("/duplicates/search", headers={"HX-Request": "true"})
    assert done.headers["HX-Refresh"] == "true"
    assert "The last search failed: out of memory" in done.text
    assert client.get("/duplicates/search", follow_redirects=False).headers["location"] == (
        "/duplicates"
    )


def test_a_search_that_stopped_answering_makes_way(
    client: TestClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    signed_in(client, db)
    started: list[int] = []  # the thread would share the test's connection: recorded instead
    monkeypatch.setattr(
        duplicate_views, "_search_in_background", lambda _db, i, _p: started.append(i)
    )
    old = duplicates.start_search(db, actor="cli")
    with db.transaction() as s:
        search = s.get(DuplicateSearch, old)
        assert search is not None
        search.started_at = search.heartbeat_at = T0
    page = client.get("/duplicates")
    assert (
        "The search started on Mar 2, 2026, 9:30\u202fAM UTC has shown no sign of life since "
        "Mar 2, 2026, 9:30\u202fAM UTC; its process has ended. Start a new one."
    ) in page.text
    assert 'hx-trigger="every 1s"' not in page.text
    r = _post(client, "/duplicates/search", {"review_only": "true"}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/duplicates")
    with db.read() as s:
        searches = s.scalars(select(DuplicateSearch).order_by(DuplicateSearch.id)).all()
        assert [(x.status, x.auto_merge) for x in searches] == [
            (SearchStatus.FAILED, True),
            (SearchStatus.RUNNING, False),
        ]
        assert started == [searches[1].id]


@pytest.mark.slow
def test_find_duplicates_runs_in_the_background(fresh_database_url: str) -> None:
    settings = Settings(
        environment="dev",
        database_url=fresh_database_url,
        secret_key=TEST_SECRET,
        api_key_cache_seconds=0,
        log_format="console",
    )
    db = Database.from_url(fresh_database_url, pool_size=2)
    try:
        load_planted(db, 120, 20, seed=3)
        with db.transaction() as session:
            who = make_user(session, role=Role.MARKETING)
            cookie = auth.start_session(
                session, who, max_age_seconds=3600, ip="127.0.0.1", user_agent="pytest"
            )
        with TestClient(create_app(settings), headers=HTML) as client:
            client.cookies.set("lw_session", cookie)
            first = client.get("/duplicates")
            assert "No search has run yet." in first.text
            started = client.post(
                "/duplicates/search",
                data={"csrf_token": csrf_token(first.text)},
                follow_redirects=False,
            )
            assert (started.status_code, started.headers["location"]) == (303, "/duplicates")
            deadline = time.monotonic() + 120
            while True:
                page = client.get("/duplicates")
                if 'hx-trigger="every 1s"' not in page.text:
                    break
                assert time.monotonic() < deadline, "the search did not finish"
                time.sleep(0.2)
        with db.read() as session:
            search = session.scalars(select(DuplicateSearch)).one()
            open_pairs = session.scalar(select(func.count()).select_from(DuplicatePair))
        assert (search.status, search.started_by, search.auto_merge) == (
            SearchStatus.DONE,
            f"user:{who.id}",
            True,
        )
        assert (search.leads, search.merged, search.pairs, open_pairs) == (126, 4, 2, 2)
        facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", page.text))
        assert {k: facts[k] for k in ("Status", "Started by", "Leads compared")} == {
            "Status": "Done",
            "Started by": who.name,
            "Leads compared": "126",
        }
        assert (facts["Leads merged"], facts["New pairs to review"]) == ("4", "2")
        assert '<span class="badge">Open pairs: 2</span>' in page.text
        assert len(PAIR_ROW.findall(page.text)) == 2
    finally:
        db.dispose()


# --- German ----------------------------------------------------------------------------------


def test_the_review_in_german(client: TestClient, db: Database) -> None:
    signed_in(client, db, Role.MARKETING, language="de")
    pair = _pair(db, 1, 0.953)
    queue = client.get("/duplicates")
    assert "<h1>Dubletten</h1>" in queue.text
    assert '<span class="badge">Offene Paare: 1</span>' in queue.text
    assert '<th scope="row" data-label="Wahrscheinlichkeit">95,3\xa0%</th>' in queue.text
    assert ">Ausgewählte zusammenführen</button>" in queue.text
    assert ">Keine Dubletten</button>" in queue.text
    assert ">Dubletten suchen</button>" in queue.text
    assert '<option value="open" selected>Offen</option>' in queue.text
    page = client.get(f"/duplicates/{pair.id}")
    assert "<span>mit 95,3\xa0% Wahrscheinlichkeit dieselbe Person</span>" in page.text
    assert ">Zusammenführen, linken Lead behalten</button>" in page.text
    assert ">Keine Dublette</button>" in page.text
    assert [row[1:] for row in EVIDENCE_ROW.findall(page.text)][:2] == [
        ("Vorname", "Anna", "Anna", "gleich", "spricht stark für dieselbe Person (Gewicht +6,5)"),
        ("Nachname", "Müller", "Mueller", "klingt gleich",
         "spricht etwas für dieselbe Person (Gewicht +2,2)"),
    ]  # fmt: skip
    merged = _post(client, f"/duplicates/{pair.id}/merge", {"keep": pair.left})
    assert f"<p>Lead {pair.right} wurde mit diesem Lead zusammengeführt.</p>" in merged.text
    assert ">Rückgängig machen</button>" in merged.text
    assert '<h2 id="h-merges">Zusammenführungen</h2>' in merged.text
    assert "Aus der Prüfliste zusammengeführt" in merged.text


def test_every_label_of_a_merge_has_a_german_translation() -> None:
    catalog = _catalog()
    msgids = [m.label for enum in (PairStatus, MergeReason, SearchStatus, Why) for m in enum]
    assert [m for m in msgids if not catalog.get(m)] == []
    levels = {label for c in COMPARISONS.values() for label in c.labels}
    assert sorted(levels - set(labels.MATCH_LEVELS)) == []
