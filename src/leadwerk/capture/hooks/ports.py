"""The Meta Graph API behind a Protocol: an httpx client for real use, a fake for tests.

Lead details are not in Meta's notification; they are read with
`GET https://graph.facebook.com/<version>/<leadgen_id>?access_token=<page token>`
(https://developers.facebook.com/docs/marketing-api/guides/lead-ads/retrieving).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from leadwerk import __version__

GRAPH_BASE_URL = "https://graph.facebook.com"
# Graph answers Meta asks for with each lead (field_data plus the ad's ids).
LEAD_FIELDS = "id,created_time,field_data,ad_id,adset_id,campaign_id,form_id,platform"


class GraphApiError(Exception):
    """The Graph API could not give us the lead; the message says why, for the dead letter."""


class GraphApi(Protocol):
    def fetch_lead(self, leadgen_id: str, access_token: str) -> Any:
        """The lead's JSON document; raises GraphApiError when there is none to be had."""
        ...


def _graph_message(response: httpx.Response) -> str:
    """Graph errors come as {"error": {"message", "type", "code"}}; else the body's start."""
    try:
        error = response.json().get("error", {})
        return f"{error.get('type', 'Error')} {error.get('code', '')}: {error['message']}"
    except (ValueError, AttributeError, KeyError, TypeError):
        return response.text[:200] or "empty answer"


class HttpxGraphApi:
    """One connection pool, a timeout on every phase, no redirects followed."""

    def __init__(
        self,
        *,
        version: str,
        timeout: float,
        base_url: str = GRAPH_BASE_URL,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.version = version
        self.timeout = timeout
        self._client = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"User-Agent": f"Leadwerk/{__version__}"},
            transport=transport,
        )

    def fetch_lead(self, leadgen_id: str, access_token: str) -> Any:
        if not access_token:
            raise GraphApiError("The hook has no page access token; add one in Integrations.")
        if not leadgen_id.isdigit():
            raise GraphApiError(f"{leadgen_id!r} is not a Meta lead id.")
        try:
            response = self._client.get(
                f"/{self.version}/{leadgen_id}",
                params={"access_token": access_token, "fields": LEAD_FIELDS},
            )
        except httpx.TimeoutException as exc:
            raise GraphApiError(
                f"The Graph API did not answer within {self.timeout:g} s ({type(exc).__name__})."
            ) from exc
        except httpx.HTTPError as exc:
            raise GraphApiError(
                f"The Graph API is unreachable: {type(exc).__name__}: {exc}"
            ) from exc
        if response.status_code >= 400:
            raise GraphApiError(
                f"The Graph API answered HTTP {response.status_code}: {_graph_message(response)}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise GraphApiError(
                f"The Graph API answered HTTP {response.status_code} with something other than "
                f"JSON: {response.text[:100]!r}"
            ) from exc

    def close(self) -> None:
        self._client.close()


@dataclass
class FakeGraphApi:
    """Answers from `leads` (leadgen id → document), or raises `failure` while it is set."""

    leads: dict[str, Any] = field(default_factory=dict)
    failure: GraphApiError | None = None
    respond: Callable[[str], Any] | None = None
    calls: list[tuple[str, str]] = field(default_factory=list)

    def fetch_lead(self, leadgen_id: str, access_token: str) -> Any:
        self.calls.append((leadgen_id, access_token))
        if self.failure is not None:
            raise self.failure
        if self.respond is not None:
            return self.respond(leadgen_id)
        if leadgen_id not in self.leads:
            raise GraphApiError(f"The Graph API answered HTTP 404: no lead {leadgen_id}")
        return self.leads[leadgen_id]
