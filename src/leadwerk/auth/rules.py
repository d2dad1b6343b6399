"""Pure rules of access: who may see and change which lead, what a key's scopes allow."""

from __future__ import annotations

from dataclasses import dataclass

from leadwerk.auth.types import Principal, PrincipalKind, Role, Scope

API_KEY_PREFIX = "lw"
MIN_PASSWORD_LENGTH = 12

# What each UI role may do, in scope terms, so UI and API checks share one vocabulary.
ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.ADMIN: frozenset(Scope),
    Role.MARKETING: frozenset(
        {
            Scope.LEADS_READ,
            Scope.LEADS_WRITE,
            Scope.FORMS_MANAGE,
            Scope.IMPORTS_RUN,
            Scope.LEADS_EXPORT,
            Scope.HOOKS_MANAGE,
            Scope.LEADS_MERGE,
        }
    ),
    Role.SALES: frozenset({Scope.LEADS_READ, Scope.LEADS_WRITE}),
}


def allows(principal: Principal, scope: Scope) -> bool:
    if principal.kind is PrincipalKind.API_KEY:
        return scope in principal.scopes
    return principal.role is not None and scope in ROLE_SCOPES[principal.role]


def can_manage_access(principal: Principal) -> bool:
    """Users and API keys are managed by administrators only (they carry no scope of their own:
    an API key must not be able to mint keys)."""
    return principal.kind is PrincipalKind.USER and principal.role is Role.ADMIN


@dataclass(frozen=True, slots=True)
class LeadVisibility:
    """Which leads a principal sees: all of them, or those owned by a user or held by a team."""

    everything: bool
    owner_id: int | None = None
    team_id: int | None = None


def lead_visibility(principal: Principal) -> LeadVisibility:
    if principal.kind is PrincipalKind.USER and principal.role is Role.SALES:
        return LeadVisibility(everything=False, owner_id=principal.id, team_id=principal.team_id)
    return LeadVisibility(everything=True)


def can_see_lead(principal: Principal, owner_id: int | None, team_id: int | None) -> bool:
    vis = lead_visibility(principal)
    if vis.everything:
        return True
    return (owner_id is not None and owner_id == vis.owner_id) or (
        team_id is not None and team_id == vis.team_id
    )


def password_problem(password: str) -> str | None:
    """Why a password is refused, or None. Length beats composition rules (NIST SP 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
    if password.strip() != password:
        return "The password must not start or end with a space."
    return None


def split_api_key(raw: str) -> tuple[str, str] | None:
    """`lw_<prefix>_<secret>` → (prefix, secret); None for anything else."""
    parts = raw.split("_")
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def parse_scopes(values: list[str]) -> tuple[frozenset[Scope], list[str]]:
    """Known scopes and the unknown names, so the caller can name what is wrong."""
    known = {s.value: s for s in Scope}
    unknown = [v for v in values if v not in known]
    return frozenset(known[v] for v in values if v in known), unknown
