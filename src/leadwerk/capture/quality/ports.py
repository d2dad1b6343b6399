"""The optional MX check's port: does a mail domain accept mail? dnspython, and a fake."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Protocol

import dns.exception
import dns.resolver

from leadwerk.settings import Settings

log = logging.getLogger("leadwerk.capture.quality")


class MxLookup(Protocol):
    def accepts_mail(self, domain: str) -> bool | None:
        """True/False, or None when the answer could not be had (timeout, server failure)."""
        ...


class DnsMxLookup:
    """MX records, else an A/AAAA record (RFC 5321 §5.1: the implicit MX); an MX of "." (RFC
    7505) means no mail. Answers are remembered for `cache_seconds`, failures (None) for
    `failure_seconds`, so a lookup made before a transaction is not repeated inside it."""

    def __init__(
        self,
        timeout: float,
        cache_seconds: float = 3600.0,
        failure_seconds: float = 60.0,
        max_entries: int = 10_000,
    ) -> None:
        self._resolver = dns.resolver.Resolver()
        self._resolver.lifetime = timeout
        self._cache: dict[str, tuple[float, bool | None]] = {}
        self._cache_seconds = cache_seconds
        self._failure_seconds = failure_seconds
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def accepts_mail(self, domain: str) -> bool | None:
        domain = domain.lower().rstrip(".")
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(domain)
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = self._ask(domain)
        keep = self._cache_seconds if answer is not None else self._failure_seconds
        with self._lock:
            if len(self._cache) >= self._max_entries:
                self._cache.clear()
            self._cache[domain] = (now + keep, answer)
        return answer

    def _ask(self, domain: str) -> bool | None:
        try:
            records = self._resolver.resolve(domain, "MX")
            hosts = [str(r.exchange).rstrip(".") for r in records]
            return any(hosts)  # a null MX (".") is the only record: no mail
        except dns.resolver.NXDOMAIN:
            return False
        except dns.resolver.NoAnswer:
            return self._has_address(domain)
        except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
            log.warning("MX lookup for %s failed: %s", domain, exc)
            return None

    def _has_address(self, domain: str) -> bool | None:
        for kind in ("A", "AAAA"):
            try:
                self._resolver.resolve(domain, kind)
                return True
            except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
                continue
            except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
                log.warning("address lookup for %s failed: %s", domain, exc)
                return None
        return False


class FakeMxLookup:
    """For tests: the domains that accept mail, those that do not, the rest unknown."""

    def __init__(self, accepting: Iterable[str] = (), refusing: Iterable[str] = ()) -> None:
        self.accepting, self.refusing = set(accepting), set(refusing)
        self.asked: list[str] = []

    def accepts_mail(self, domain: str) -> bool | None:
        self.asked.append(domain)
        if domain in self.accepting:
            return True
        if domain in self.refusing:
            return False
        return None


def mx_lookup_from_settings(settings: Settings) -> DnsMxLookup | None:
    """The MX check every channel passes to `run_intake`, or None when it is off."""
    if not settings.email_mx_check:
        return None
    return DnsMxLookup(settings.email_mx_timeout_seconds)
