"""Use cases of the auth domain: users, UI sessions, API keys."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterable
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from leadwerk.auth import audit, rules
from leadwerk.auth.models import ApiKey, Team, User, UserSession
from leadwerk.auth.types import IssuedApiKey, Principal, PrincipalKind, Role, Scope
from leadwerk.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

_hasher = PasswordHasher()
# Verifying against this keeps the time of "no such user" equal to "wrong password".
_DUMMY_HASH = _hasher.hash("leadwerk-timing-equaliser")


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def user_principal(user: User) -> Principal:
    return Principal(
        kind=PrincipalKind.USER,
        id=user.id,
        name=user.name,
        role=user.role,
        team_id=user.team_id,
        language=user.language,
    )


# --- teams and users -------------------------------------------------------------------------


def create_team(session: Session, name: str, *, actor: str) -> Team:
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": "A team needs a name."})
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise Conflict(f"A team named {name!r} exists already.")
    team = Team(name=name)
    session.add(team)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="team.created",
        subject_type="team",
        subject_id=team.id,
        details={"name": name},
    )
    return team


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    actor: str,
    team_id: int | None = None,
    language: str | None = None,
) -> User:
    email = email.strip().lower()
    errors: dict[str, str] = {}
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        errors["email"] = "Enter an email address such as anna@example.com."
    if not name.strip():
        errors["name"] = "Enter the person's name."
    problem = rules.password_problem(password)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationFailed(errors)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with the email {email} exists already.")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=_hasher.hash(password),
        role=role,
        team_id=team_id,
        language=language,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.created",
        subject_type="user",
        subject_id=user.id,
        details={"email": email, "role": role.value},
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise AuthenticationFailed("The email or the password is wrong.")
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed("The email or the password is wrong.") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def list_teams(session: Session) -> list[Team]:
    return list(session.scalars(select(Team).order_by(Team.name)))


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"There is no user {user_id}.")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


def set_language(session: Session, user_id: int, language: str | None) -> None:
    get_user(session, user_id).language = language


# --- UI sessions -----------------------------------------------------------------------------


def start_session(
    session: Session, user: User, *, max_age_seconds: int, ip: str | None, user_agent: str | None
) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            token_hash=_sha256(token),
            user_id=user.id,
            created_at=utcnow(),
            expires_at=utcnow() + timedelta(seconds=max_age_seconds),
            ip_address=ip,
            user_agent=(user_agent or "")[:400] or None,
        )
    )
    audit.record(
        session,
        actor=f"user:{user.id}",
        action="user.logged_in",
        subject_type="user",
        subject_id=user.id,
        details={"ip": ip},
    )
    return token


def resolve_session(session: Session, token: str, *, max_age_seconds: int) -> Principal | None:
    """The user behind a session cookie, sliding its expiry; None when unknown or expired."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _sha256(token))
    ).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    if user_session.expires_at <= now or not user.is_active:
        return None
    # Slide the expiry at most once a minute, so reading pages does not write on every request.
    new_expiry = now + timedelta(seconds=max_age_seconds)
    if new_expiry - user_session.expires_at > timedelta(minutes=1):
        user_session.expires_at = new_expiry
    return user_principal(user)


def end_session(session: Session, token: str) -> None:
    user_session = session.scalar(
        select(UserSession).where(UserSession.token_hash == _sha256(token))
    )
    if user_session is not None:
        audit.record(
            session,
            actor=f"user:{user_session.user_id}",
            action="user.logged_out",
            subject_type="user",
            subject_id=user_session.user_id,
        )
        session.delete(user_session)


# --- API keys --------------------------------------------------------------------------------


def create_api_key(
    session: Session, *, name: str, scopes: Iterable[str], actor: str
) -> IssuedApiKey:
    scope_list = list(scopes)
    known, unknown = rules.parse_scopes(scope_list)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "Give the key a name that says who uses it."
    if unknown:
        errors["scopes"] = (
            f"Unknown scope {', '.join(unknown)}; choose from {', '.join(s.value for s in Scope)}."
        )
    elif not known:
        errors["scopes"] = "Give the key at least one scope."
    if errors:
        raise ValidationFailed(errors)
    prefix = secrets.token_hex(4)
    while session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is not None:
        prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32).replace("_", "x")
    raw = f"{rules.API_KEY_PREFIX}_{prefix}_{secret}"
    key = ApiKey(
        name=name.strip(),
        prefix=prefix,
        key_hash=_sha256(raw),
        scopes=sorted(s.value for s in known),
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="api_key.created",
        subject_type="api_key",
        subject_id=key.id,
        details={"name": key.name, "scopes": key.scopes},
    )
    return IssuedApiKey(id=key.id, name=key.name, prefix=prefix, secret=raw, scopes=known)


def list_api_keys(session: Session, *, include_revoked: bool = False) -> list[ApiKey]:
    query = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return list(session.scalars(query))


def revoke_api_key(session: Session, key_ref: str, *, actor: str) -> ApiKey:
    """Revoke by id or by prefix (what `api-keys list` shows)."""
    query = select(ApiKey).where(ApiKey.prefix == key_ref)
    if key_ref.isdigit():
        query = select(ApiKey).where((ApiKey.id == int(key_ref)) | (ApiKey.prefix == key_ref))
    key = session.scalar(query)
    if key is None:
        raise NotFound(f"There is no API key {key_ref!r}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            session,
            actor=actor,
            action="api_key.revoked",
            subject_type="api_key",
            subject_id=key.id,
            details={"name": key.name},
        )
    return key


class ApiKeyVerifier:
    """Checks bearer keys; remembers verified keys for `ttl` seconds to spare a query per call."""

    def __init__(self, db: Database, ttl: float) -> None:
        self._db = db
        self._ttl = ttl
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def cached(self, raw: str) -> Principal | None:
        """The principal of a key verified less than `ttl` seconds ago; None otherwise.

        Never touches the database, so callers on an event loop may use it directly.
        """
        hit = self._cache.get(_sha256(raw))  # one dict read: atomic, no lock needed
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        return None

    def verify(self, raw: str) -> Principal:
        now = time.monotonic()
        digest = _sha256(raw)
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        parts = rules.split_api_key(raw)
        if parts is None:
            raise AuthenticationFailed(
                "The API key is malformed; send `Authorization: Bearer lw_<prefix>_<secret>`."
            )
        with self._db.read() as session:
            key = session.scalar(select(ApiKey).where(ApiKey.prefix == parts[0]))
            if key is None or not hmac.compare_digest(key.key_hash, digest):
                raise AuthenticationFailed("The API key is unknown.")
            if key.revoked_at is not None:
                raise AuthenticationFailed("The API key was revoked.")
            principal = Principal(
                kind=PrincipalKind.API_KEY,
                id=key.id,
                name=key.name,
                scopes=rules.parse_scopes(key.scopes)[0],
            )
        with self._db.transaction() as session:
            session.execute(
                update(ApiKey).where(ApiKey.id == principal.id).values(last_used_at=utcnow())
            )
        if self._ttl > 0:
            with self._lock:
                self._cache[digest] = (now + self._ttl, principal)
        return principal
