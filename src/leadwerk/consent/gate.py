"""The one gate every sender asks before anything goes out for a purpose (DESIGN.md; issue 5,
item 7): `decide(session, lead_id, purpose)`.

A message for a purpose goes out only while the person's consent for it is in force (granted,
or confirmed where double opt-in is required) and their processing is not restricted. A
message without a purpose is transactional (the double opt-in confirmation itself, a data
subject's export) and passes. The outbox worker
asks again at send time, so a withdrawal between queueing and sending drops the message.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from leadwerk.consent import service
from leadwerk.consent.types import ConsentStatus
from leadwerk.leads.models import Lead


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


def decide(session: Session, lead_id: int | None, purpose: str | None) -> Decision:
    if purpose is None:
        return Decision(True, "transactional message")
    if lead_id is None:
        return Decision(False, f"no person to check the consent for {purpose} of")
    lead = session.get(Lead, lead_id)
    if lead is not None and lead.restricted_at is not None:
        return Decision(False, f"the processing of lead {lead_id} is restricted")
    found = service.status_of(session, lead_id, purpose)
    if found is None:
        return Decision(False, f"lead {lead_id} has no consent for {purpose}")
    if found.status is ConsentStatus.GRANTED:
        return Decision(True, f"consent for {purpose} in force (ledger entry {found.event.seq})")
    return Decision(
        False, f"the consent of lead {lead_id} for {purpose} is {found.status.label.lower()}"
    )
