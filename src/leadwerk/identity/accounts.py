"""Matching leads to accounts (the companies they work for), for account-based routing.

In this order, the first that gives exactly one account wins:

1. **domain**: the lead's company domain (from a non-freemail address) is an account's domain,
   or a subdomain of one (vertrieb.firma.de → firma.de);
2. **name**: the lead's company key (legal form dropped: "Müller Bau GmbH" → "mueller bau")
   is an account's name key;
3. **similar name**: one account whose name key has a token-set ratio of at least
   `FUZZY_AT_LEAST` with the lead's, among the accounts whose key starts with the same word,
   and not in another country than the lead; only for names of two words or more (the
   ratio of a word contained in a name is 100: "Becker" would match "Becker Software").

Two accounts equally good is no match: a wrong account would route a lead to the wrong team.
`match_accounts` assigns the leads without an account in bulk; intake (`account_for`) uses the
two exact steps, which are one indexed lookup each.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from leadwerk.leads.models import Account, Lead
from leadwerk.storage.engine import Database

FUZZY_AT_LEAST = 90.0
_BATCH = 5000


class MatchedBy(StrEnum):
    DOMAIN = "domain"
    NAME = "name"
    SIMILAR_NAME = "similar_name"


@dataclass(frozen=True, slots=True)
class AccountRecord:
    id: int
    domain: str | None
    name_key: str | None
    country: str | None


def _parent_domains(domain: str) -> Iterable[str]:
    """firma.de for vertrieb.firma.de; never a bare top-level domain."""
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        yield ".".join(labels[start:])


@dataclass
class AccountIndex:
    """Every account by domain, by name key and by the first word of its name key."""

    by_domain: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    by_first_word: dict[str, list[AccountRecord]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def build(cls, accounts: Iterable[AccountRecord]) -> AccountIndex:
        index = cls()
        for account in accounts:
            if account.domain:
                index.by_domain[account.domain.lower()].append(account.id)
            if account.name_key:
                index.by_name[account.name_key].append(account.id)
                index.by_first_word[account.name_key.split(" ", 1)[0]].append(account)
        return index

    def match(
        self, domain: str | None, company_key: str | None, country: str | None
    ) -> tuple[int, MatchedBy] | None:
        if domain:
            for candidate in _parent_domains(domain.lower()):
                found = self.by_domain.get(candidate, [])
                if len(found) == 1:
                    return found[0], MatchedBy.DOMAIN
                if found:
                    return None  # two accounts claim the domain: no guess
        if not company_key:
            return None
        named = self.by_name.get(company_key, [])
        if len(named) == 1:
            return named[0], MatchedBy.NAME
        if named or " " not in company_key:
            return None  # a one-word name ("Becker") is too common to match closely
        scored = [
            (fuzz.token_set_ratio(company_key, account.name_key or ""), account.id)
            for account in self.by_first_word.get(company_key.split(" ", 1)[0], [])
            if not (country and account.country and account.country != country)
        ]
        best = [(s, i) for s, i in scored if s >= FUZZY_AT_LEAST]
        if not best:
            return None
        top = max(s for s, _ in best)
        winners = [i for s, i in best if s == top]
        return (winners[0], MatchedBy.SIMILAR_NAME) if len(winners) == 1 else None


@dataclass(frozen=True, slots=True)
class AccountSummary:
    leads: int  # leads without an account that were looked at
    matched: dict[str, int]  # by how
    unmatched: int
    seconds: float


def match_accounts(db: Database) -> AccountSummary:
    """Give every lead without an account the account it matches, if exactly one does."""
    started = time.perf_counter()
    with db.read() as session:
        index = AccountIndex.build(
            AccountRecord(*row)
            for row in session.execute(
                select(Account.id, Account.domain, Account.name_key, Account.country)
            )
        )
        leads = session.execute(
            select(Lead.id, Lead.domain, Lead.company_key, Lead.country)
            .where(Lead.account_id.is_(None))
            .order_by(Lead.id)
        ).all()
    matched: dict[str, int] = {how.value: 0 for how in MatchedBy}
    assignments: list[dict[str, int]] = []
    for lead_id, domain, company_key, country in leads:
        found = index.match(domain, company_key, country)
        if found is not None:
            assignments.append({"lead_id": lead_id, "account": found[0]})
            matched[found[1].value] += 1
    with db.transaction() as session:
        statement = (
            update(Lead)
            .where(Lead.id == bindparam("lead_id"), Lead.account_id.is_(None))
            .values(account_id=bindparam("account"))
        )
        for start in range(0, len(assignments), _BATCH):
            session.connection().execute(statement, assignments[start : start + _BATCH])
    return AccountSummary(
        leads=len(leads),
        matched=matched,
        unmatched=len(leads) - len(assignments),
        seconds=time.perf_counter() - started,
    )


def account_for(session: Session, domain: str | None, company_key: str | None) -> int | None:
    """At intake: the account of the company domain (or a parent domain), else of the exact
    company key; None when none or several."""
    if domain:
        candidates = list(_parent_domains(domain.lower()))
        rows = session.execute(
            select(Account.id, Account.domain).where(Account.domain.in_(candidates))
        ).all()
        for candidate in candidates:  # the most specific domain first
            ids: list[int] = [row.id for row in rows if row.domain == candidate]
            if ids:
                return ids[0] if len(ids) == 1 else None
    if company_key:
        named = list(
            session.scalars(select(Account.id).where(Account.name_key == company_key).limit(2))
        )
        if len(named) == 1:
            return int(named[0])
    return None
