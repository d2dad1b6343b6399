"""The quality check that needs the network: does the address's domain accept mail?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from leadwerk.capture import rules
from leadwerk.capture.quality import rules as quality
from leadwerk.capture.quality.ports import MxLookup
from leadwerk.capture.types import NormalisedLead
from leadwerk.leads.types import EmailStatus


def check_mail_domain(clean: NormalisedLead, mx: MxLookup | None) -> NormalisedLead:
    """The lead with `no_mx` when the MX check is on and the domain accepts no mail.

    Disposable addresses are flagged already (a worse finding) and not looked up; an
    unanswered lookup changes nothing. Runs before any lock is taken.
    """
    if mx is None or clean.email is None or clean.email_status is EmailStatus.DISPOSABLE:
        return clean
    domain = rules.email_domain(clean.email)
    if domain is None:
        return clean
    accepts = mx.accepts_mail(domain)
    if accepts is None:
        return clean
    return replace(clean, email_status=quality.email_status(clean.email, has_mx=accepts))


def look_up_early(emails: Iterable[str | None], mx: MxLookup | None) -> None:
    """Ask for the addresses' domains before a transaction opens, so the lookups inside
    `run_intake` are answered from the lookup's cache and no lock waits on DNS."""
    if mx is None:
        return
    for email in emails:
        normalised, _ = rules.normalise_email(email)
        domain = rules.email_domain(normalised)
        if domain is not None and not quality.is_disposable_domain(domain):
            mx.accepts_mail(domain)
