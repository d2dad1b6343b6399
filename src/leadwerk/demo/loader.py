"""Loading demo data: the demo admin, the demo company's staff and campaigns, then leads with
their accounts, touchpoints and stage history in bulk.

Bulk means: ids chosen here (so child rows can point to their lead without RETURNING), and rows
written with PostgreSQL's COPY or SQLite's executemany in batches, all in one transaction —
an interrupted load leaves nothing behind. On PostgreSQL the id ranges of leads and accounts
are reserved on their sequences first, so intake running at the same time cannot collide.

A second load adds to what is there: teams, staff and campaigns are reused by name, email and
key; leads, accounts, touchpoints and stage history are added. Loading a seed that is loaded
already is refused (it would add every person a second time); choose another seed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from queue import Full, Queue
from typing import Any, cast

from argon2 import PasswordHasher
from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session

from leadwerk.auth import audit
from leadwerk.auth import service as auth
from leadwerk.auth.models import Team, User
from leadwerk.auth.rules import password_problem
from leadwerk.auth.types import Role
from leadwerk.demo import data
from leadwerk.demo.bulk import BulkWriter, write_batch, writer_for
from leadwerk.demo.companies import ascii_words
from leadwerk.demo.generator import DemoGenerator, DemoSpec, References, account_pool_size
from leadwerk.demo.rows import Batch
from leadwerk.errors import Conflict, ValidationFailed
from leadwerk.leads.models import Account, Campaign, CampaignSpend, Lead
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

ProgressCallback = Callable[[int, int], None]
ACTOR = "demo"
DEFAULT_BATCH_SIZE = 5000
DEFAULT_MONTHS = 18
# Not an argon2 hash: verifying any password against it fails, so nobody logs in with it.
NO_LOGIN = "!demo-staff-without-login"


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What one demo load wrote. Teams, users and campaigns count only the ones it created."""

    seed: int
    leads: int
    accounts: int
    touchpoints: int
    stage_changes: int
    campaigns: int
    campaign_spend: int
    users: int
    teams: int
    period_start: date
    period_end: date
    seconds: float

    @property
    def leads_per_second(self) -> float:
        return self.leads / self.seconds if self.seconds > 0 else 0.0

    @property
    def rows(self) -> int:
        return self.leads + self.accounts + self.touchpoints + self.stage_changes


def ensure_demo_admin(db: Database, email: str, password: str) -> int:
    """The demo admin's user id; creates the admin when there is no user with that email.
    An existing user is left as it is (its password may have been changed on purpose)."""
    with db.transaction() as session:
        existing = session.scalar(select(User.id).where(User.email == email.strip().lower()))
        if existing is not None:
            return existing
        user = auth.create_user(
            session,
            email=email,
            name="Demo Admin",
            password=password,
            role=Role.ADMIN,
            actor=ACTOR,
        )
        return user.id


def has_leads(db: Database) -> bool:
    with db.read() as session:
        return bool(session.scalar(select(exists().where(Lead.id.is_not(None)))))


def load_demo(
    db: Database,
    *,
    leads: int,
    seed: int = 1,
    months: int = DEFAULT_MONTHS,
    today: date | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: ProgressCallback | None = None,
    staff_password: str | None = None,
) -> DemoSummary:
    """Load `leads` demo leads made from `seed`, created over `months` months before `today`
    (default: today, UTC). `progress(done, total)` is called after every batch. Staff users
    it creates get `staff_password`; without one they cannot log in (they exist to own leads)."""
    errors: dict[str, str] = {}
    if leads < 0:
        errors["leads"] = "The number of demo leads cannot be negative."
    if batch_size < 1:
        errors["batch_size"] = "The batch size must be at least 1."
    if not 1 <= months <= 120:
        errors["months"] = "The demo period must be between 1 and 120 months."
    problem = password_problem(staff_password) if staff_password is not None else None
    if problem:
        errors["staff_password"] = problem
    if errors:
        raise ValidationFailed(errors, "The demo data cannot be made with these settings.")
    started = time.perf_counter()
    spec = DemoSpec(seed=seed, leads=leads, today=today or utcnow().date(), months=months)
    generator = DemoGenerator(spec)
    writer = writer_for(db.dialect)
    ids: tuple[int, int] | None = None
    if writer.reserves_apart:  # a short transaction, so the table locks end at once
        with db.transaction() as session:
            _refuse_loaded_seed(session, seed)
            ids = _reserve(writer, session, leads)
    counts = {"accounts": 0, "leads": 0, "touchpoints": 0, "stage_changes": 0}
    with db.transaction() as session:
        _refuse_loaded_seed(session, seed)
        first_lead, first_account = ids or _reserve(writer, session, leads)
        teams_created, team_ids = _ensure_teams(session)
        users_created, reps, marketers = _ensure_staff(session, team_ids, staff_password)
        campaigns_created, campaign_ids = _ensure_campaigns(session, generator)
        spend_rows = _add_spend(session, generator, campaign_ids)
        refs = References(first_lead, first_account, campaign_ids, team_ids, reps, marketers)
        with writer.loading(session):
            for batch in prefetched(generator.batches(refs, batch_size)):
                write_batch(writer, session, batch)
                counts["accounts"] += len(batch.accounts)
                counts["leads"] += len(batch.leads)
                counts["touchpoints"] += len(batch.touchpoints)
                counts["stage_changes"] += len(batch.stage_changes)
                if progress is not None:
                    progress(counts["leads"], leads)
        details: dict[str, Any] = {"seed": seed, "months": months,
                                   "today": spec.today.isoformat(), **counts}  # fmt: skip
        audit.record(session, actor=ACTOR, action="demo.loaded", subject_type="demo",
                     subject_id=seed, details=details)  # fmt: skip
    return DemoSummary(
        seed=seed,
        campaigns=campaigns_created,
        campaign_spend=spend_rows,
        users=users_created,
        teams=teams_created,
        period_start=generator.period.start,
        period_end=generator.period.end,
        seconds=time.perf_counter() - started,
        **counts,
    )


_DONE = object()


def prefetched(batches: Iterator[Batch], depth: int = 2) -> Iterator[Batch]:
    """The same batches, made ahead in a thread while the caller writes the previous ones.
    Generating is Python work and writing mostly the database server's, so on two cores they
    overlap. The order stays the generator's; an error in the thread is raised here."""
    queue: Queue[object] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                queue.put(item, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for batch in batches:
                if not put(batch):
                    return
            put(_DONE)
        except BaseException as exc:  # whatever it is, the consumer raises it
            put(exc)

    thread = threading.Thread(target=produce, name="demo-generator", daemon=True)
    thread.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(Batch, item)
    finally:
        stop.set()
        thread.join()


def _reserve(writer: BulkWriter, session: Session, leads: int) -> tuple[int, int]:
    return (
        writer.reserve(session, Lead, leads),
        writer.reserve(session, Account, account_pool_size(leads)),
    )


def _refuse_loaded_seed(session: Session, seed: int) -> None:
    loaded = session.scalar(
        # Compared as text: an API client's own `demo_seed` attribute may hold anything.
        select(func.count()).where(Lead.attributes["demo_seed"].as_string() == str(seed))
    )
    if loaded:
        raise Conflict(
            f"Demo data of seed {seed} is loaded already ({loaded} leads); loading it again "
            "would add the same people twice. Choose another seed."
        )


def _ensure_teams(session: Session) -> tuple[int, dict[str, int]]:
    query = select(Team.name, Team.id).where(Team.name.in_(data.TEAMS))
    found = {name: team_id for name, team_id in session.execute(query)}
    created = 0
    for name in data.TEAMS:
        if name not in found:
            found[name] = auth.create_team(session, name, actor=ACTOR).id
            created += 1
    return created, found


def staff_email(first: str, last: str) -> str:
    return f"{'-'.join(ascii_words(first))}.{''.join(ascii_words(last))}@{data.STAFF_DOMAIN}"


def _ensure_staff(
    session: Session, team_ids: dict[str, int], password: str | None
) -> tuple[int, dict[str, tuple[int, ...]], tuple[int, ...]]:
    """The demo company's marketing people and sales reps, created once and reused."""
    emails = [staff_email(first, last) for first, last, *_ in data.STAFF]
    query = select(User.email, User.id).where(User.email.in_(emails))
    found = {email: user_id for email, user_id in session.execute(query)}
    missing = [(e, s) for e, s in zip(emails, data.STAFF, strict=True) if e not in found]
    if missing:
        password_hash = _staff_password_hash(password)
        users = [
            User(email=email, name=f"{first} {last}", password_hash=password_hash,
                 role=Role(role), team_id=team_ids[team] if team else None, language=language,
                 created_at=utcnow())
            for email, (first, last, role, team, language) in missing
        ]  # fmt: skip
        session.add_all(users)
        session.flush()
        for user in users:
            found[user.email] = user.id
            audit.record(session, actor=ACTOR, action="user.created", subject_type="user",
                         subject_id=user.id, details={"email": user.email,
                                                      "role": user.role.value})  # fmt: skip
    reps: dict[str, list[int]] = {team: [] for team in data.TEAMS}
    marketers: list[int] = []
    for email, (_, _, _, team, _) in zip(emails, data.STAFF, strict=True):
        (marketers if team is None else reps[team]).append(found[email])
    return len(missing), {team: tuple(ids) for team, ids in reps.items()}, tuple(marketers)


def _staff_password_hash(password: str | None) -> str:
    """One hash for all staff (argon2 takes a good part of a second per hash, by design). With
    no password, a value no password matches: the staff exist to own leads, not to log in."""
    return NO_LOGIN if password is None else PasswordHasher().hash(password)


def _ensure_campaigns(session: Session, generator: DemoGenerator) -> tuple[int, dict[str, int]]:
    rows = generator.campaigns()
    keys = [row.key for row in rows]
    query = select(Campaign.key, Campaign.id).where(Campaign.key.in_(keys))
    found = {key: campaign_id for key, campaign_id in session.execute(query)}
    new = [Campaign(**row._asdict()) for row in rows if row.key not in found]
    session.add_all(new)
    session.flush()
    found.update({campaign.key: campaign.id for campaign in new})
    return len(new), found


def _add_spend(session: Session, generator: DemoGenerator, campaign_ids: dict[str, int]) -> int:
    """Spend of every campaign day not recorded yet (campaigns reused from an earlier load keep
    theirs)."""
    query = select(CampaignSpend.campaign_id, CampaignSpend.day).where(
        CampaignSpend.campaign_id.in_(list(campaign_ids.values()))
    )
    recorded = {(campaign_id, day) for campaign_id, day in session.execute(query)}
    values = [
        {
            "campaign_id": campaign_ids[row.campaign_key],
            "day": row.day,
            "amount": row.amount,
            "currency": row.currency,
            "impressions": row.impressions,
            "clicks": row.clicks,
        }
        for row in generator.spend()
        if (campaign_ids[row.campaign_key], row.day) not in recorded
    ]
    for chunk in _chunks(values, 5000):
        session.execute(insert(CampaignSpend), chunk)
    return len(values)


def _chunks(values: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
