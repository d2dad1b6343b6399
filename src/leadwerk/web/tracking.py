"""Tracking: the snippet to paste, the consent call, the allowed site origins, and what came in
lately (events, visitors, the newest events)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from fastapi.responses import Response

from leadwerk.capture.tracking import rules
from leadwerk.capture.tracking import service as tracking
from leadwerk.capture.tracking.types import EventType
from leadwerk.storage.base import utcnow
from leadwerk.web.context import Page, require_area
from leadwerk.web.i18n import N_
from leadwerk.web.routing import router as web_router

router = web_router()
TrackingPage = Annotated[Page, Depends(require_area("tracking"))]
RECENT = 50
EVENT_LABELS = {
    EventType.PAGE_VIEW: N_("Page viewed"),
    EventType.EVENT: N_("Event"),
    EventType.IDENTIFY: N_("Identified"),
    EventType.CART_ABANDONED: N_("Cart abandoned"),
}


def snippet(public_url: str) -> str:
    """What a site pastes into every page, before `</head>`."""
    return (
        f'<script async src="{public_url}/t/track.js"></script>\n'
        "<script>\n"
        "  window.leadwerk = window.leadwerk || function () {\n"
        "    (leadwerk.q = leadwerk.q || []).push(arguments);\n"
        "  };\n"
        "</script>"
    )


@router.get("/tracking")
def overview(page: TrackingPage) -> Response:
    since = utcnow() - timedelta(hours=24)
    with page.container.db.read() as session:
        summary = tracking.summary(session, since)
        recent = tracking.recent_events(session, RECENT)
    origins = page.settings.tracking_allowed_origins
    return page.render(
        "tracking/overview.html",
        {
            "area": "tracking",
            "snippet": snippet(page.settings.public_url),
            "origins": [(o, rules.normalise_origin(o) is not None) for o in origins],
            "summary": summary,
            "recent": recent,
            "event_labels": EVENT_LABELS,
        },
    )
