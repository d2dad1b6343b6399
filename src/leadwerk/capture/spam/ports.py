"""The challenge hook behind a Protocol: a siteverify client for Cloudflare Turnstile, hCaptcha
and Google reCAPTCHA, and a fake for tests.

All three providers speak the same server-side contract: POST an
`application/x-www-form-urlencoded` body with `secret`, `response` (the widget's token) and
optionally `remoteip` to the provider's verify URL; the answer is JSON with a boolean
`success` (plus `error-codes`, `hostname`, ...). A token is valid for a few minutes and can be
verified once only.

The verifier fails closed: a timeout, a network error, an HTTP error status or an answer that
is not the expected JSON all count as "not passed", with a log line for the operator.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

import httpx

from leadwerk import __version__
from leadwerk.errors import ConfigurationError

if TYPE_CHECKING:
    from leadwerk.settings import Settings

log = logging.getLogger("leadwerk.spam")

TURNSTILE_VERIFY_URL = "https://challenges.cloudflare.com/turnstile/v0/siteverify"
HCAPTCHA_VERIFY_URL = "https://api.hcaptcha.com/siteverify"
RECAPTCHA_VERIFY_URL = "https://www.google.com/recaptcha/api/siteverify"
# Turnstile documents 2048 characters as the longest token; the others are shorter. A longer
# "token" is not sent anywhere.
MAX_TOKEN_LENGTH = 4096
DEFAULT_TIMEOUT_SECONDS = 5.0


class ChallengeVerifier(Protocol):
    def verify(self, token: str | None, ip: str | None) -> bool:
        """True when the visitor passed the challenge; never raises."""
        ...


class SiteVerifyChallenge:
    """Verifies a challenge token with the provider's siteverify endpoint (fails closed)."""

    def __init__(
        self,
        verify_url: str,
        secret: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        client: httpx.Client | None = None,
    ) -> None:
        self.verify_url = verify_url
        self._secret = secret
        self._client = client or httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": f"Leadwerk/{__version__}"},
        )
        self._timeout = timeout

    def verify(self, token: str | None, ip: str | None) -> bool:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return False
        data = {"secret": self._secret, "response": token}
        if ip:
            data["remoteip"] = ip
        try:
            response = self._client.post(self.verify_url, data=data, timeout=self._timeout)
        except httpx.HTTPError as exc:
            log.warning(
                "challenge verification failed: %s from %s (%s)",
                type(exc).__name__,
                self.verify_url,
                exc,
            )
            return False
        if response.status_code != 200:
            log.warning(
                "challenge verification failed: HTTP %s from %s",
                response.status_code,
                self.verify_url,
            )
            return False
        try:
            answer = response.json()
        except ValueError:
            log.warning("challenge verification failed: %s answered no JSON", self.verify_url)
            return False
        if not isinstance(answer, dict) or not isinstance(answer.get("success"), bool):
            log.warning(
                "challenge verification failed: %s answered without a boolean 'success'",
                self.verify_url,
            )
            return False
        passed: bool = answer["success"]
        if not passed:
            codes = answer.get("error-codes")
            log.info(
                "challenge not passed: %s",
                ", ".join(map(str, codes)) if isinstance(codes, list) and codes else "no reason",
            )
        return passed

    def close(self) -> None:
        self._client.close()


class FakeChallenge:
    """Passes exactly the tokens it was given; remembers every call for assertions."""

    def __init__(self, valid_tokens: Iterable[str] = ()) -> None:
        self.valid_tokens = frozenset(valid_tokens)
        self.calls: list[tuple[str | None, str | None]] = []

    def verify(self, token: str | None, ip: str | None) -> bool:
        self.calls.append((token, ip))
        return token is not None and token in self.valid_tokens


def challenge_from_settings(settings: Settings) -> SiteVerifyChallenge | None:
    """The configured challenge, or None when `challenge_verify_url` is not set."""
    if not settings.challenge_verify_url:
        return None
    if not settings.challenge_secret:
        raise ConfigurationError(
            "LEADWERK_CHALLENGE_VERIFY_URL is set but LEADWERK_CHALLENGE_SECRET is not; "
            "set the secret key your challenge provider gave you"
        )
    return SiteVerifyChallenge(settings.challenge_verify_url, settings.challenge_secret)
