"""Factories for leads, through the real intake pipeline unless a test needs raw rows."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from leadwerk.capture import service as capture
from leadwerk.capture.types import Intake
from leadwerk.leads.models import Lead

_seq = itertools.count(1)


def make_lead(session: Session, **fields: Any) -> Lead:
    """A lead through the intake pipeline; extra keyword fields are set on the row after."""
    intake_fields = {k: v for k, v in fields.items() if k in Intake.__dataclass_fields__}
    intake_fields.setdefault("email", f"lead{next(_seq)}@example.org")
    _, lead = capture.run_intake(session, Intake(**intake_fields), actor="test")
    for name, value in fields.items():
        if name not in Intake.__dataclass_fields__:
            setattr(lead, name, value)
    session.flush()
    return lead
