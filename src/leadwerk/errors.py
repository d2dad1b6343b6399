"""The domain exception tree. Services raise these; `api/problems.py` and `web/errors.py` translate.

    LeadwerkError
    ├── ConfigurationError          settings or environment unusable (never reaches HTTP)
    └── DomainError                 something a user or client can act on
        ├── ValidationFailed        input breaks a rule; carries field → message
        ├── NotFound                the thing does not exist (or is not visible to the caller)
        ├── PermissionDenied        authenticated, but not allowed
        ├── AuthenticationFailed    unknown user, wrong password, bad or revoked API key
        ├── Conflict                the request clashes with the current state
        └── DatabaseBehindHead      the schema is older than this code; names the command to run

No HTTP status lives here: the translators own that mapping.
"""

from __future__ import annotations

from collections.abc import Mapping


class LeadwerkError(Exception):
    """Root of everything Leadwerk raises on purpose."""


class ConfigurationError(LeadwerkError):
    """The settings or the environment cannot work; the message says what to change."""


class DomainError(LeadwerkError):
    """An error a person can act on; `message` is written for them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    def __init__(
        self, errors: Mapping[str, str], message: str = "Some fields are invalid."
    ) -> None:
        super().__init__(message)
        self.errors = dict(errors)


class NotFound(DomainError):
    pass


class PermissionDenied(DomainError):
    pass


class AuthenticationFailed(DomainError):
    pass


class Conflict(DomainError):
    pass


class DatabaseBehindHead(DomainError):
    pass
