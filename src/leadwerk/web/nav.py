"""The UI's areas: one entry each, used for the navigation and for the access check of its pages.

A later area (Scoring, Routing, Nurture, Analytics) is one more `Area` here
plus its views module; the navigation and `require_area` pick it up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from leadwerk.auth.rules import allows, can_manage_access
from leadwerk.auth.types import Principal, Scope
from leadwerk.web.i18n import N_


def _scope(scope: Scope) -> Callable[[Principal], bool]:
    return lambda principal: allows(principal, scope)


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    label: str  # msgid, translated where shown
    path: str
    allowed: Callable[[Principal], bool]


AREAS: tuple[Area, ...] = (
    Area("leads", N_("Leads"), "/leads", _scope(Scope.LEADS_READ)),
    Area("duplicates", N_("Duplicates"), "/duplicates", _scope(Scope.LEADS_MERGE)),
    Area("forms", N_("Forms"), "/forms", _scope(Scope.FORMS_MANAGE)),
    Area(
        "imports",
        N_("Imports"),
        "/imports",
        lambda p: allows(p, Scope.IMPORTS_RUN) or allows(p, Scope.LEADS_EXPORT),
    ),
    Area("integrations", N_("Integrations"), "/integrations", _scope(Scope.HOOKS_MANAGE)),
    Area("tracking", N_("Tracking"), "/tracking", _scope(Scope.FORMS_MANAGE)),
    Area("consent", N_("Consent"), "/consent", _scope(Scope.PRIVACY_MANAGE)),
    Area("deliveries", N_("Deliveries"), "/deliveries", _scope(Scope.OUTBOX_MANAGE)),
    Area("webhooks", N_("Webhooks"), "/webhooks", _scope(Scope.WEBHOOKS_MANAGE)),
    Area("api_keys", N_("API keys"), "/api-keys", can_manage_access),
    Area("users", N_("Users"), "/users", can_manage_access),
)
AREAS_BY_KEY = {area.key: area for area in AREAS}


def visible_areas(principal: Principal | None) -> list[Area]:
    if principal is None:
        return []
    return [area for area in AREAS if area.allowed(principal)]
