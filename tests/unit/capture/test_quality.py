"""Quality flags: role and disposable addresses, line types, seniority and function from
German and English job titles, and the optional MX check."""

from __future__ import annotations

from typing import Any

import dns.exception
import dns.resolver
import phonenumbers
import pytest

from leadwerk.capture import rules
from leadwerk.capture.quality import rules as quality
from leadwerk.capture.quality.ports import DnsMxLookup, FakeMxLookup
from leadwerk.capture.quality.service import check_mail_domain, look_up_early
from leadwerk.capture.types import Intake
from leadwerk.leads.types import EmailStatus, JobFunction, PhoneStatus, Seniority


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("anna.schmidt@acme.de", EmailStatus.VALID),
        ("info@acme.de", EmailStatus.ROLE),
        ("Vertrieb@acme.de", EmailStatus.ROLE),
        ("sales+leads@acme.com", EmailStatus.ROLE),
        ("no-reply@acme.com", EmailStatus.ROLE),
        ("büro@acme.de", EmailStatus.ROLE),
        ("infoline@acme.de", EmailStatus.VALID),  # starts like info@, is not it
        ("someone@mailinator.com", EmailStatus.DISPOSABLE),
        ("info@mailinator.com", EmailStatus.DISPOSABLE),  # the worse finding wins
        ("x@eu.mailinator.com", EmailStatus.DISPOSABLE),  # a subdomain of a listed one
        (None, None),
    ],
)
def test_email_status(email: str | None, expected: EmailStatus | None) -> None:
    assert quality.email_status(email) == expected


def test_no_mx_ranks_below_disposable_and_above_role() -> None:
    assert quality.email_status("info@acme.de", has_mx=False) is EmailStatus.NO_MX
    assert quality.email_status("a@mailinator.com", has_mx=False) is EmailStatus.DISPOSABLE
    assert quality.email_status("info@acme.de", has_mx=True) is EmailStatus.ROLE


def test_is_disposable_domain_is_reexported_for_spam_defence() -> None:
    assert rules.is_disposable_domain("mailinator.com") is True
    assert rules.is_disposable_domain("MAILINATOR.COM.") is True
    assert rules.is_disposable_domain("com") is False  # a public suffix alone is not listed
    assert rules.is_disposable_domain("acme.de") is False
    assert rules.is_disposable_domain(None) is False


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("0171 2345678", "DE", PhoneStatus.MOBILE),
        ("030 1234567", "DE", PhoneStatus.LANDLINE),
        ("0800 1234567", "DE", PhoneStatus.TOLL_FREE),
        ("+1 650 253 0000", None, PhoneStatus.OTHER),  # US numbers are fixed line or mobile
        ("+1 200 555 0100", None, PhoneStatus.UNVERIFIED),  # no such area code
    ],
)
def test_phone_status(raw: str, country: str | None, expected: PhoneStatus) -> None:
    phone, parsed, problem = rules.parse_phone(raw, country)
    assert problem is None
    assert phone is not None
    assert quality.phone_status(parsed) is expected


def test_no_number_no_phone_status() -> None:
    assert quality.phone_status(None) is None
    assert isinstance(phonenumbers.parse("+4930123456"), phonenumbers.PhoneNumber)


@pytest.mark.parametrize(
    ("title", "seniority", "function"),
    [
        ("CEO", Seniority.EXECUTIVE, JobFunction.MANAGEMENT),
        ("Geschäftsführerin", Seniority.EXECUTIVE, JobFunction.MANAGEMENT),
        ("Geschäftsführer Vertrieb", Seniority.EXECUTIVE, JobFunction.SALES),
        ("Chief Revenue Officer", Seniority.EXECUTIVE, JobFunction.SALES),
        ("Managing Director", Seniority.EXECUTIVE, JobFunction.MANAGEMENT),
        ("Vice President Sales", Seniority.VP, JobFunction.SALES),
        ("Vizepräsidentin Finanzen", Seniority.VP, JobFunction.FINANCE),
        ("Head of Marketing", Seniority.DIRECTOR, JobFunction.MARKETING),
        ("Leiterin Vertrieb", Seniority.DIRECTOR, JobFunction.SALES),
        ("Vertriebsleiter DACH", Seniority.DIRECTOR, JobFunction.SALES),
        ("Marketingleiterin", Seniority.DIRECTOR, JobFunction.MARKETING),
        ("IT-Leiter", Seniority.DIRECTOR, JobFunction.IT),
        ("Abteilungsleiter Einkauf", Seniority.DIRECTOR, JobFunction.PURCHASING),
        ("Teamleiter IT", Seniority.MANAGER, JobFunction.IT),
        ("Key Account Manager", Seniority.MANAGER, JobFunction.SALES),
        ("Qualitätsmanager", Seniority.MANAGER, JobFunction.OPERATIONS),
        ("Lead Developer", Seniority.SENIOR, JobFunction.ENGINEERING),
        ("Senior Software Engineer", Seniority.SENIOR, JobFunction.ENGINEERING),
        ("Product Owner", Seniority.STAFF, JobFunction.PRODUCT),  # an owner of no company
        ("Buchhalterin", Seniority.STAFF, JobFunction.FINANCE),
        ("Personalreferentin", Seniority.STAFF, JobFunction.HR),
        ("Einkäufer", Seniority.STAFF, JobFunction.PURCHASING),
        ("Assistenz der Geschäftsführung", Seniority.STAFF, JobFunction.MANAGEMENT),
        ("Werkstudent Marketing", Seniority.ENTRY, JobFunction.MARKETING),
        ("Junior Controller", Seniority.ENTRY, JobFunction.FINANCE),
        ("Sachbearbeiter", Seniority.STAFF, JobFunction.OTHER),
        ("Datenschutzbeauftragter", Seniority.STAFF, JobFunction.LEGAL),
        ("Customer Success Manager", Seniority.MANAGER, JobFunction.CUSTOMER_SERVICE),
    ],
)
def test_seniority_and_function_from_the_title(
    title: str, seniority: Seniority, function: JobFunction
) -> None:
    assert (quality.seniority(title), quality.job_function(title)) == (seniority, function)


def test_no_title_no_flags() -> None:
    assert quality.seniority(None) is None
    assert quality.job_function("") is None


def test_normalise_sets_the_flags() -> None:
    clean, errors = rules.normalise(
        Intake(email="info@acme.de", phone="0171 2345678", country="DE", job_title="CTO")
    )
    assert errors == {}
    assert clean is not None
    assert (clean.email_status, clean.phone_status, clean.seniority, clean.job_function) == (
        EmailStatus.ROLE,
        PhoneStatus.MOBILE,
        Seniority.EXECUTIVE,
        JobFunction.ENGINEERING,
    )


def _clean(email: str) -> Any:
    clean, _ = rules.normalise(Intake(email=email))
    return clean


def test_mx_check_flags_a_domain_without_mail() -> None:
    mx = FakeMxLookup(accepting={"acme.de"}, refusing={"nomail.example"})
    assert check_mail_domain(_clean("a@nomail.example"), mx).email_status is EmailStatus.NO_MX
    assert check_mail_domain(_clean("a@acme.de"), mx).email_status is EmailStatus.VALID
    # unknown (a timeout): nothing is flagged
    assert check_mail_domain(_clean("a@slow.example"), mx).email_status is EmailStatus.VALID
    # disposable is worse and needs no lookup; off means no lookup at all
    assert check_mail_domain(_clean("a@mailinator.com"), mx).email_status is (
        EmailStatus.DISPOSABLE
    )
    assert mx.asked == ["nomail.example", "acme.de", "slow.example"]
    assert check_mail_domain(_clean("a@nomail.example"), None).email_status is EmailStatus.VALID


class _Record:
    def __init__(self, exchange: str) -> None:
        self.exchange = exchange


def _lookup(answers: dict[tuple[str, str], Any]) -> tuple[DnsMxLookup, list[tuple[str, str]]]:
    lookup = DnsMxLookup(timeout=0.5)
    asked: list[tuple[str, str]] = []

    def resolve(domain: str, kind: str) -> Any:
        asked.append((domain, kind))
        answer = answers.get((domain, kind), dns.resolver.NoAnswer())
        if isinstance(answer, Exception):
            raise answer
        return answer

    lookup._resolver.resolve = resolve  # type: ignore[method-assign]
    return lookup, asked


def test_dns_lookup_reads_mx_then_address_records_and_caches() -> None:
    lookup, asked = _lookup(
        {
            ("acme.de", "MX"): [_Record("mx1.acme.de.")],
            ("nullmx.example", "MX"): [_Record(".")],
            ("gone.example", "MX"): dns.resolver.NXDOMAIN(),
            ("a-only.example", "A"): ["192.0.2.1"],
            ("slow.example", "MX"): dns.exception.Timeout(),
        }
    )
    assert lookup.accepts_mail("acme.de") is True
    assert lookup.accepts_mail("ACME.de.") is True  # cached, same domain
    assert lookup.accepts_mail("nullmx.example") is False  # RFC 7505
    assert lookup.accepts_mail("gone.example") is False
    assert lookup.accepts_mail("a-only.example") is True  # the implicit MX
    assert lookup.accepts_mail("nothing.example") is False
    assert lookup.accepts_mail("slow.example") is None
    assert lookup.accepts_mail("slow.example") is None  # a failure is kept for a minute
    assert asked.count(("acme.de", "MX")) == 1
    assert asked.count(("slow.example", "MX")) == 1


def test_dns_lookup_asks_again_when_a_failure_has_expired() -> None:
    lookup, asked = _lookup({("slow.example", "MX"): dns.exception.Timeout()})
    lookup._failure_seconds = 0
    assert lookup.accepts_mail("slow.example") is None
    assert lookup.accepts_mail("slow.example") is None
    assert asked.count(("slow.example", "MX")) == 2


def test_look_up_early_fills_the_cache_before_the_transaction() -> None:
    mx = FakeMxLookup(accepting={"acme.de"})
    look_up_early(["Anna@ACME.de", None, "not an address", "x@mailinator.com"], mx)
    assert mx.asked == ["acme.de"]  # normalised; nothing for disposable or invalid ones
    look_up_early(["a@acme.de"], None)  # the check is off: nothing to do
