"""The plain-address fast path of `normalise_email` answers exactly as email-validator does:
it never accepts what email-validator refuses and gives the same normalised address."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from leadwerk.capture.rules import _plain_email, normalise_email

ATOM = st.text(alphabet="abcXYZ019.!#$%&'*+/=?^_`{|}~-@\"()[]\\ äß", min_size=0, max_size=70)
LABEL = st.text(alphabet="abcXYZ019-_.", min_size=0, max_size=70)
TLD = st.sampled_from(
    ["de", "com", "ORG", "test", "local", "localhost", "arpa", "onion", "invalid", "x", "c0m",
     "museum", "xn--p1ai", "a" * 63, "a" * 64, "example", ""]
)  # fmt: skip


def _validator(value: str) -> str | None:
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return f"{result.local_part}@{result.domain.lower()}"


@given(local=ATOM, domain=LABEL, tld=TLD)
def test_fast_path_agrees_with_email_validator(local: str, domain: str, tld: str) -> None:
    value = f"{local}@{domain}.{tld}"
    fast = _plain_email(value)
    if fast is not None:
        assert fast == _validator(value)


@given(st.emails())
def test_generated_addresses(value: str) -> None:
    fast = _plain_email(value)
    if fast is not None:
        assert fast == _validator(value)


@pytest.mark.parametrize(
    "value",
    [
        "Anna.Mueller@Example.DE",
        "a+tag@sub.acme.co.uk",
        "x@localhost.localhost",
        "x@y.test",
        ".a@b.de",
        "a.@b.de",
        "a..b@c.de",
        "a@-b.de",
        "a@b-.de",
        "a@b.d",
        "a@b..de",
        "a" * 65 + "@b.de",
        "a@" + "b" * 64 + ".de",
        "a@xn--mller-kva.de",
        "müller@b.de",
        '"quoted"@b.de',
    ],
)
def test_awkward_addresses(value: str) -> None:
    fast = _plain_email(value)
    if fast is not None:
        assert fast == _validator(value)
    assert normalise_email(value)[0] == _validator(value)
