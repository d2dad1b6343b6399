"""Idempotent creation: the same `Idempotency-Key` with the same body gets the first answer
again and changes nothing; with another body it is refused (409).

The key is remembered in the same transaction as the work it guards, so a stored answer always
belongs to committed work. Two first uses of one key at once: on PostgreSQL both may do the
work, the unique index lets one commit, and the other is rolled back and replays the winner's
answer; on SQLite write transactions run one at a time, so the second simply finds the first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadwerk.capture.models import IdempotencyKey
from leadwerk.errors import Conflict, ValidationFailed
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def request_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    # surrogatepass: a JSON body may name a lone surrogate ("\ud800"); it still has a hash
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            {HEADER: f"Use 1 to {MAX_KEY_LENGTH} printable ASCII characters, e.g. a UUID."},
            "The Idempotency-Key header is invalid.",
        )
    return key


def _stored(session: Session, api_key_id: int, key: str, digest: str) -> Answer | None:
    row = session.scalar(
        select(IdempotencyKey).where(
            IdempotencyKey.api_key_id == api_key_id, IdempotencyKey.key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != digest:
        raise Conflict(
            f"The Idempotency-Key {key!r} was used before with a different body; "
            "use a new key for a new request."
        )
    return Answer(row.status_code, row.response, replayed=True)


def run_once(
    db: Database,
    *,
    api_key_id: int,
    key: str,
    body: dict[str, Any],
    work: Callable[[Session], Answer],
) -> Answer:
    """Do `work` once per (API key, key): the first time in a transaction that also stores
    its answer, every later time by replaying that answer."""
    digest = request_hash(body)
    try:
        with db.transaction() as session:
            stored = _stored(session, api_key_id, key, digest)
            if stored is not None:
                return stored
            answer = work(session)
            session.add(
                IdempotencyKey(
                    api_key_id=api_key_id,
                    key=key,
                    request_hash=digest,
                    status_code=answer.status_code,
                    response=answer.body,
                    created_at=utcnow(),
                )
            )
            session.flush()
            return answer
    except IntegrityError:
        # Another request with this key committed first: ours was rolled back; replay theirs.
        with db.read() as session:
            stored = _stored(session, api_key_id, key, digest)
        if stored is None:  # pragma: no cover - the unique index was violated by nothing
            raise
        return stored
