"""Pure rules of consent: the ledger's hashes and its check, and how each event moves a
person's status for a purpose.

Each ledger entry carries `content_hash` = SHA-256 of the canonical JSON of its content (keys
sorted, no spaces, UTF-8) and `chain_hash` = SHA-256 of the previous entry's chain hash (hex)
followed by its own content hash (hex); the first entry follows `GENESIS`. Editing an entry
changes its content hash; deleting or reordering entries breaks the next chain hash; the
sequence numbers name where.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable, Mapping
from typing import Any

from leadwerk.consent.types import ChainLink, ChainReport, ConsentStatus, EventKind

GENESIS = "0" * 64


def canonical(content: Mapping[str, Any]) -> bytes:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8", "surrogatepass")


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def chain_hash(previous: str, content_digest: str) -> str:
    return hashlib.sha256((previous + content_digest).encode("ascii")).hexdigest()


def verify_chain(links: Iterable[ChainLink]) -> ChainReport:
    """Walk the ledger in sequence order; the first entry whose number, content or chain does
    not fit is named. A redacted entry (content None) is chained by its stored content hash."""
    previous = GENESIS
    expected_seq = 1
    count = redacted = 0
    for link in links:
        count += 1
        if link.seq != expected_seq:
            problem = (
                f"entry {expected_seq} is missing"
                if link.seq > expected_seq
                else f"entry {link.seq} is out of order"
            )
            return ChainReport(count, link.seq, problem, redacted)
        if link.content is None:
            redacted += 1
        elif content_hash(link.content) != link.content_hash:
            return ChainReport(count, link.seq, "its content was changed", redacted)
        if chain_hash(previous, link.content_hash) != link.chain_hash:
            return ChainReport(count, link.seq, "it does not follow the entry before it", redacted)
        previous = link.chain_hash
        expected_seq += 1
    return ChainReport(count, None, None, redacted)


class TransitionRefused(ValueError):
    """An event that cannot happen in the person's current status for the purpose."""


def next_status(
    current: ConsentStatus | None, kind: EventKind, *, double_opt_in: bool
) -> ConsentStatus:
    """The status after `kind`. A grant for a purpose with double opt-in is only a request
    (the caller records CONFIRMATION_REQUESTED instead); a confirmation needs a pending
    request; an expiry only ends a pending request."""
    if kind is EventKind.GRANTED:
        if double_opt_in:
            raise TransitionRefused("this purpose needs double opt-in: request a confirmation")
        return ConsentStatus.GRANTED
    if kind is EventKind.CONFIRMATION_REQUESTED:
        if current is ConsentStatus.GRANTED:
            raise TransitionRefused("consent is in force already")
        return ConsentStatus.PENDING
    if kind is EventKind.CONFIRMED:
        if current is not ConsentStatus.PENDING:
            raise TransitionRefused("there is no request waiting for confirmation")
        return ConsentStatus.GRANTED
    if kind is EventKind.EXPIRED:
        if current is not ConsentStatus.PENDING:
            raise TransitionRefused("only a request waiting for confirmation expires")
        return ConsentStatus.EXPIRED
    return ConsentStatus.WITHDRAWN


def clean_ip(value: str | None) -> tuple[str | None, str | None]:
    """(the address in its normal form, None) or (None, why not): IPv4 or IPv6."""
    if value is None or not value.strip():
        return None, None
    try:
        return str(ipaddress.ip_address(value.strip())), None
    except ValueError:
        return None, "Give an IPv4 or IPv6 address, such as 203.0.113.7."


# --- links a person follows from an email ----------------------------------------------------


def derive_key(secret: str, use: str) -> bytes:
    """A key of its own per use (confirmation links, unsubscribe links, evidence bundles),
    derived from the installation's secret, so one kind of token can never pass for another."""
    return hmac.new(secret.encode("utf-8"), f"leadwerk:{use}".encode(), hashlib.sha256).digest()


def _mac(key: bytes, body: str) -> str:
    digest = hmac.new(key, body.encode("ascii"), hashlib.sha256).digest()[:18]
    return base64.urlsafe_b64encode(digest).decode("ascii")


def sign_token(key: bytes, subject_id: int, expires_at: int) -> str:
    """`<id>.<expiry as Unix time>.<MAC>`: names what it is for and until when, and cannot be
    made or changed without the key."""
    body = f"{subject_id}.{expires_at}"
    return f"{body}.{_mac(key, body)}"


def read_token(key: bytes, token: str) -> tuple[int, int] | None:
    """(id, expiry) of a token this key signed; None for anything else."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    body = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(key, body), parts[2]):
        return None
    return int(parts[0]), int(parts[1])
