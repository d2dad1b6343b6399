"""Roles, scopes and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MARKETING = "marketing"
    SALES = "sales"

    @property
    def label(self) -> str:
        return {"admin": "Administrator", "marketing": "Marketing", "sales": "Sales"}[self.value]


class Scope(StrEnum):
    LEADS_READ = "leads:read"
    LEADS_WRITE = "leads:write"
    WEBHOOKS_MANAGE = "webhooks:manage"
    OUTBOX_MANAGE = "outbox:manage"
    FORMS_MANAGE = "forms:manage"
    IMPORTS_RUN = "imports:run"
    LEADS_EXPORT = "leads:export"
    HOOKS_MANAGE = "hooks:manage"
    TRACKING_WRITE = "tracking:write"
    LEADS_MERGE = "leads:merge"
    PRIVACY_MANAGE = "privacy:manage"

    @property
    def label(self) -> str:
        return {
            "leads:read": "Read leads and their timelines",
            "leads:write": "Create and edit leads",
            "webhooks:manage": "Register, change and remove outbound webhooks",
            "outbox:manage": "See the outbox and delivery log, retry dead messages",
            "forms:manage": "Build, change and publish forms and see their statistics",
            "imports:run": "Import leads from CSV and XLSX files",
            "leads:export": "Export leads to CSV and XLSX",
            "hooks:manage": "Set up inbound lead hooks and retry their failed deliveries",
            "tracking:write": "Send site tracking events from a server",
            "leads:merge": "Review duplicates, merge leads and undo merges",
            "privacy:manage": "Export and erase a person's data, restrict processing, record "
            "objections",
        }[self.value]


class PrincipalKind(StrEnum):
    USER = "user"
    API_KEY = "api_key"
    OPERATOR = "operator"  # whoever runs the `leadwerk` command on the server


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a logged-in user (with a role) or an API key (with scopes)."""

    kind: PrincipalKind
    id: int
    name: str
    role: Role | None = None
    team_id: int | None = None
    scopes: frozenset[Scope] = frozenset()
    language: str | None = None

    @property
    def actor(self) -> str:
        """How the audit log names this principal."""
        if self.kind is PrincipalKind.OPERATOR:
            return "cli"
        return f"{self.kind.value}:{self.id}"

    @classmethod
    def operator(cls) -> Principal:
        """The command line on the server: whoever may run it may do everything (as the
        administrator), and is recorded as `cli`."""
        return cls(kind=PrincipalKind.OPERATOR, id=0, name="cli", role=Role.ADMIN)


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """The only moment the secret exists in clear: right after creation."""

    id: int
    name: str
    prefix: str
    secret: str
    scopes: frozenset[Scope]
