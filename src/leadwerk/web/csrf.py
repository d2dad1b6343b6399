"""CSRF protection for every UI form: a signed double-submit token.

The browser holds a random value in the HttpOnly cookie `lw_csrf`; pages carry
HMAC(secret_key, that value) in a hidden field (and htmx sends it as `X-CSRF-Token`). Another
site can make the browser send the cookie, but cannot read the page, so it cannot know the token;
and without the secret key nobody can compute one for a cookie value they planted.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "lw_csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRejected(Exception):
    """A state-changing UI request without a valid token; nothing was done."""


def new_seed() -> str:
    return secrets.token_urlsafe(32)


def token_for(secret_key: str, seed: str) -> str:
    return hmac.new(secret_key.encode(), b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def is_valid(secret_key: str, seed: str | None, token: str | None) -> bool:
    if not seed or not token:
        return False
    return hmac.compare_digest(token_for(secret_key, seed), token)
