"""The evidence bundle of a lead's consent: everything the ledger holds for the lead, with the
full wording of every text version referred to, each entry's hashes, and the chain's last hash
at the time, signed by the server (HMAC-SHA256 over the bundle's canonical JSON, with a key of
its own derived from `LEADWERK_SECRET_KEY`). `check` tells whether a bundle is unchanged
(`leadwerk consent check-bundle FILE`); the ledger itself stays the proof (`verify`)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from leadwerk.consent import rules, service
from leadwerk.consent.models import ConsentEvent, ConsentText
from leadwerk.errors import NotFound
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow

_KEY_USE = "evidence-bundle"
FORMAT = "leadwerk.consent-evidence/1"


def _signature(secret: str, body: dict[str, Any]) -> str:
    key = rules.derive_key(secret, _KEY_USE)
    return hmac.new(key, rules.canonical(body), hashlib.sha256).hexdigest()


def bundle(session: Session, lead_id: int, *, secret: str) -> dict[str, Any]:
    lead = session.get(Lead, lead_id)
    if lead is None:
        raise NotFound(f"There is no lead {lead_id}.")
    events = list(reversed(service.history(session, lead_id)))
    text_ids = sorted({e.text_id for e in events if e.text_id is not None})
    texts = (
        session.scalars(select(ConsentText).where(ConsentText.id.in_(text_ids))).all()
        if text_ids
        else []
    )
    head = session.scalars(select(ConsentEvent).order_by(ConsentEvent.seq.desc()).limit(1)).first()
    body: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": utcnow().isoformat(),
        "lead": {
            "id": lead.id,
            "email": lead.email,
            "phone": lead.phone,
            "first_name": lead.first_name,
            "last_name": lead.last_name,
        },
        "status": {
            purpose: {"status": s.status.value, "since_entry": s.event.seq}
            for purpose, s in sorted(service.statuses(session, lead_id).items())
        },
        "entries": [_entry(e) for e in events],
        "texts": [
            {
                "id": t.id,
                "purpose_id": t.purpose_id,
                "language": t.language,
                "version": t.version,
                "text": t.text,
                "created_at": t.created_at.isoformat(),
            }
            for t in texts
        ],
        "ledger": {
            "hash": "SHA-256 of canonical JSON (keys sorted, no spaces, UTF-8); "
            "chain_hash = SHA-256(previous chain_hash hex + content_hash hex)",
            "last_seq": head.seq if head else 0,
            "last_chain_hash": head.chain_hash if head else rules.GENESIS,
        },
    }
    return {**body, "signature": {"algorithm": "HMAC-SHA256", "value": _signature(secret, body)}}


def _entry(event: ConsentEvent) -> dict[str, Any]:
    content = service.content_of(event)
    return {
        "seq": event.seq,
        "content": None if content is None else content.to_dict(),
        "content_hash": event.content_hash,
        "chain_hash": event.chain_hash,
        "recorded_at": event.recorded_at.isoformat(),
        "redacted": event.redacted_at is not None,
    }


def check(document: dict[str, Any], *, secret: str) -> bool:
    """Whether the bundle is exactly as this server signed it, and each entry's content
    still matches its hash."""
    signature = document.get("signature")
    if not isinstance(signature, dict) or signature.get("algorithm") != "HMAC-SHA256":
        return False
    body = {k: v for k, v in document.items() if k != "signature"}
    if not hmac.compare_digest(str(signature.get("value")), _signature(secret, body)):
        return False
    return all(
        e.get("content") is None or rules.content_hash(e["content"]) == e.get("content_hash")
        for e in body.get("entries") or []
    )
