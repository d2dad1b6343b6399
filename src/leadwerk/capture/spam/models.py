"""Tables of capture.spam: rate-limit counters shared by every server process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from leadwerk.storage.base import Base, UTCDateTime


class RateLimit(Base):
    """How many hits one bucket (such as `form-ip:203.0.113.7`) had in one fixed window.

    Counted with one atomic upsert per hit, so every process sees the same numbers. A row stops
    mattering at `expires_at` (the end of the window after its own), when it is swept.
    """

    __tablename__ = "rate_limits"

    bucket: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int]
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
