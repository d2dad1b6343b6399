"""The ledger's hashes and check, and how events move a status (pure)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadwerk.consent import rules
from leadwerk.consent.types import ChainLink, ConsentStatus, EventKind


def _chain(contents: list[dict[str, object]]) -> list[ChainLink]:
    links, previous = [], rules.GENESIS
    for seq, content in enumerate(contents, 1):
        digest = rules.content_hash(content)
        previous = rules.chain_hash(previous, digest)
        links.append(ChainLink(seq, content, digest, previous))
    return links


CONTENTS: list[dict[str, object]] = [
    {"kind": "granted", "purpose": "newsletter", "email": "anna@example.de", "n": n}
    for n in range(5)
]


def test_the_hashes_are_sha256_of_canonical_json() -> None:
    content = {"b": 1, "a": "ü"}
    assert rules.canonical(content) == '{"a":"ü","b":1}'.encode()
    assert rules.content_hash(content) == hashlib.sha256('{"a":"ü","b":1}'.encode()).hexdigest()
    assert (
        rules.chain_hash(rules.GENESIS, "ab")
        == hashlib.sha256(("0" * 64 + "ab").encode()).hexdigest()
    )


def test_an_untouched_chain_is_intact() -> None:
    report = rules.verify_chain(_chain(CONTENTS))
    assert (report.intact, report.events, report.broken_at, report.redacted) == (True, 5, None, 0)


def test_an_edited_entry_is_named() -> None:
    links = _chain(CONTENTS)
    edited = links[2]
    links[2] = ChainLink(
        3, {**CONTENTS[2], "email": "other@example.de"}, edited.content_hash, edited.chain_hash
    )
    report = rules.verify_chain(links)
    assert (report.broken_at, report.problem) == (3, "its content was changed")


def test_an_edited_entry_with_its_hash_recomputed_breaks_the_next_link() -> None:
    links = _chain(CONTENTS)
    content = {**CONTENTS[2], "email": "other@example.de"}
    links[2] = ChainLink(3, content, rules.content_hash(content), links[2].chain_hash)
    report = rules.verify_chain(links)
    assert (report.broken_at, report.problem) == (3, "it does not follow the entry before it")


def test_a_deleted_entry_is_named() -> None:
    links = _chain(CONTENTS)
    del links[1]
    report = rules.verify_chain(links)
    assert (report.broken_at, report.problem) == (3, "entry 2 is missing")


def test_reordered_entries_are_named() -> None:
    links = _chain(CONTENTS)
    links[1], links[2] = links[2], links[1]
    assert rules.verify_chain(links).broken_at == 3
    renumbered = [
        ChainLink(n, link.content, link.content_hash, link.chain_hash)
        for n, link in enumerate(links, 1)
    ]
    report = rules.verify_chain(renumbered)
    assert (report.broken_at, report.problem) == (2, "it does not follow the entry before it")


def test_a_redacted_entry_still_chains_by_its_stored_hash() -> None:
    links = _chain(CONTENTS)
    links[1] = ChainLink(2, None, links[1].content_hash, links[1].chain_hash)
    report = rules.verify_chain(links)
    assert (report.intact, report.redacted) == (True, 1)


@given(
    st.lists(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=10)), max_size=8)
)
def test_any_chain_built_by_the_rules_verifies(contents: list[dict[str, object]]) -> None:
    assert rules.verify_chain(_chain(contents)).intact


@pytest.mark.parametrize(
    ("current", "kind", "double", "after"),
    [
        (None, EventKind.GRANTED, False, ConsentStatus.GRANTED),
        (ConsentStatus.WITHDRAWN, EventKind.GRANTED, False, ConsentStatus.GRANTED),
        (None, EventKind.CONFIRMATION_REQUESTED, True, ConsentStatus.PENDING),
        (ConsentStatus.EXPIRED, EventKind.CONFIRMATION_REQUESTED, True, ConsentStatus.PENDING),
        (ConsentStatus.PENDING, EventKind.CONFIRMED, True, ConsentStatus.GRANTED),
        (ConsentStatus.PENDING, EventKind.EXPIRED, True, ConsentStatus.EXPIRED),
        (ConsentStatus.GRANTED, EventKind.WITHDRAWN, False, ConsentStatus.WITHDRAWN),
        (None, EventKind.WITHDRAWN, False, ConsentStatus.WITHDRAWN),
    ],
)
def test_transitions(
    current: ConsentStatus | None, kind: EventKind, double: bool, after: ConsentStatus
) -> None:
    assert rules.next_status(current, kind, double_opt_in=double) is after


@pytest.mark.parametrize(
    ("current", "kind", "double", "why"),
    [
        (None, EventKind.GRANTED, True, "this purpose needs double opt-in"),
        (ConsentStatus.GRANTED, EventKind.CONFIRMATION_REQUESTED, True, "in force already"),
        (None, EventKind.CONFIRMED, True, "no request waiting"),
        (ConsentStatus.WITHDRAWN, EventKind.CONFIRMED, True, "no request waiting"),
        (ConsentStatus.GRANTED, EventKind.EXPIRED, True, "only a request"),
    ],
)
def test_refused_transitions(
    current: ConsentStatus | None, kind: EventKind, double: bool, why: str
) -> None:
    with pytest.raises(rules.TransitionRefused, match=why):
        rules.next_status(current, kind, double_opt_in=double)


def test_tokens_are_signed_and_read_back() -> None:
    key = rules.derive_key("s" * 40, "confirm")
    token = rules.sign_token(key, 42, 1_900_000_000)
    assert token.startswith("42.1900000000.")
    assert rules.read_token(key, token) == (42, 1_900_000_000)


@pytest.mark.parametrize(
    "token",
    [
        "43.1900000000.{mac}",  # another id under the same MAC
        "42.1999999999.{mac}",  # a later expiry
        "42.1900000000.AAAAAAAAAAAAAAAAAAAAAAAA",
        "42.1900000000",
        "x.1900000000.{mac}",
        "",
    ],
)
def test_a_changed_or_made_up_token_is_refused(token: str) -> None:
    key = rules.derive_key("s" * 40, "confirm")
    mac = rules.sign_token(key, 42, 1_900_000_000).rsplit(".", 1)[1]
    assert rules.read_token(key, token.format(mac=mac)) is None


def test_a_token_of_one_use_does_not_pass_for_another() -> None:
    confirm, unsubscribe = (rules.derive_key("s" * 40, use) for use in ("confirm", "unsubscribe"))
    assert rules.read_token(unsubscribe, rules.sign_token(confirm, 42, 1_900_000_000)) is None
