"""Outbound webhook HTTP behind a Protocol: the httpx sender for real use, a fake for tests.

A sender never raises for a failed delivery: a refused connection, a timeout and a 500 all come
back as a `SendResult` the worker writes to the delivery log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Protocol

import httpx

from leadwerk import __version__

# What the delivery log keeps of a receiver's answer.
EXCERPT_CHARS = 500
_EXCERPT_READ_BYTES = 4 * EXCERPT_CHARS


@dataclass(frozen=True, slots=True)
class SendResult:
    """The receiver's answer (`status_code`, start of the body) or why there was none (`error`)."""

    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None
    permanent: bool = False  # trying again cannot help (a mail server's 5xx)

    @property
    def ok(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    def describe(self) -> str:
        """One line for `last_error`: the transport error, or the status and the excerpt."""
        if self.error is not None:
            return self.error
        text = f"HTTP {self.status_code}"
        if self.status_code is not None and 300 <= self.status_code < 400:
            text += " (redirects are not followed; register the final URL)"
        if self.excerpt:
            text += f": {self.excerpt[:200]}"
        return text


class WebhookSender(Protocol):
    def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        """POST `body` to `url`; never raises for network or HTTP failures."""
        ...

    def close(self) -> None:
        """Release connections; the sender is not used afterwards."""
        ...


def excerpt(raw: bytes) -> str | None:
    """The start of a response body as text, at most EXCERPT_CHARS characters."""
    if not raw:
        return None
    return raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS]


class HttpxWebhookSender:
    """POSTs with httpx: one connection pool, a timeout on every phase, no redirects followed,
    and only the first few KB of an answer read. Honours HTTPS_PROXY / NO_PROXY."""

    def __init__(
        self,
        *,
        timeout: float,
        user_agent: str = f"Leadwerk/{__version__}",
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": user_agent},
            transport=transport,
            # A receiver's cookies are never stored nor sent back.
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
        )

    def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        try:
            with self._client.stream("POST", url, content=body, headers=dict(headers)) as r:
                # The status decides; of the body we want only the start, and not for longer
                # than one timeout even from a receiver that trickles it out byte by byte.
                deadline = time.monotonic() + self.timeout
                head = bytearray()
                for chunk in r.iter_bytes():
                    head += chunk
                    if len(head) >= _EXCERPT_READ_BYTES or time.monotonic() > deadline:
                        break
                return SendResult(status_code=r.status_code, excerpt=excerpt(bytes(head)))
        except httpx.TimeoutException as exc:
            return SendResult(error=f"timed out after {self.timeout:g} s ({type(exc).__name__})")
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as exc:
            return SendResult(error=f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True, slots=True)
class SentRequest:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class FakeWebhookSender:
    """Records every request; answers with `respond(request)` (default: 200 "ok").

    Thread-safe, so several workers in one test can share it.
    """

    respond: Callable[[SentRequest], SendResult] = field(
        default=lambda _request: SendResult(status_code=200, excerpt="ok")
    )
    sent: list[SentRequest] = field(default_factory=list)
    closed: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> SendResult:
        request = SentRequest(url=url, body=body, headers=dict(headers))
        with self._lock:
            self.sent.append(request)
        return self.respond(request)

    def close(self) -> None:
        self.closed = True
