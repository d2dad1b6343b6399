"""Matching a lead to one account: domain, parent domain, exact name, close name; no guess."""

from __future__ import annotations

import pytest

from leadwerk.identity.accounts import AccountIndex, AccountRecord, MatchedBy

INDEX = AccountIndex.build(
    [
        AccountRecord(1, "mueller-bau.de", "mueller bau", "DE"),
        AccountRecord(2, "schmidt.de", "schmidt logistik", "DE"),
        AccountRecord(3, "shared.de", "alpha", "DE"),
        AccountRecord(4, "shared.de", "beta", "DE"),
        AccountRecord(5, None, "becker software", "AT"),
        AccountRecord(6, None, "weber", "DE"),
        AccountRecord(7, None, "weber", "CH"),
        AccountRecord(8, None, "nord consulting hamburg", "DE"),
    ]
)


@pytest.mark.parametrize(
    ("domain", "company_key", "country", "expected"),
    [
        ("mueller-bau.de", None, None, (1, MatchedBy.DOMAIN)),
        ("vertrieb.mueller-bau.de", None, "DE", (1, MatchedBy.DOMAIN)),  # a parent domain
        ("MUELLER-BAU.DE", "something else", None, (1, MatchedBy.DOMAIN)),  # domain first
        ("shared.de", "alpha", None, None),  # two accounts claim it: no guess, not even by name
        ("unknown.de", "schmidt logistik", "DE", (2, MatchedBy.NAME)),
        (None, "schmidt logistik", None, (2, MatchedBy.NAME)),
        (None, "weber", "DE", None),  # two accounts of that exact name
        (None, "nord consulting", "DE", (8, MatchedBy.SIMILAR_NAME)),
        (None, "becker software gruppe", "AT", (5, MatchedBy.SIMILAR_NAME)),
        (None, "becker software gruppe", "DE", None),  # close, but another country
        (None, "becker software gruppe", None, (5, MatchedBy.SIMILAR_NAME)),
        (None, "becker", "AT", None),  # one word is too common to match closely
        (None, "zimmer", None, None),
        (None, None, None, None),
        ("de", None, None, None),  # never a bare top-level domain
    ],
)
def test_match(
    domain: str | None,
    company_key: str | None,
    country: str | None,
    expected: tuple[int, MatchedBy] | None,
) -> None:
    assert INDEX.match(domain, company_key, country) == expected
