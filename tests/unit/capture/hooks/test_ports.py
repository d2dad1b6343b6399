"""The httpx Graph API client against httpx.MockTransport: data, Graph errors, garbage, timeouts."""

from __future__ import annotations

import httpx
import pytest

from leadwerk.capture.hooks.ports import FakeGraphApi, GraphApiError, HttpxGraphApi

LEAD = {"id": "130528934038370", "field_data": [{"name": "email", "values": ["a@b.de"]}]}


def client(handler: httpx.MockTransport) -> HttpxGraphApi:
    return HttpxGraphApi(version="v21.0", timeout=2.0, transport=handler)


def test_fetches_the_lead_with_the_page_token() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=LEAD)

    api = client(httpx.MockTransport(handle))
    assert api.fetch_lead("130528934038370", "EAAG-page-token") == LEAD
    (request,) = seen
    assert request.url.host == "graph.facebook.com"
    assert request.url.path == "/v21.0/130528934038370"
    assert request.url.params["access_token"] == "EAAG-page-token"
    assert request.url.params["fields"].split(",")[:3] == ["id", "created_time", "field_data"]
    api.close()


def test_graph_error_answer() -> None:
    body = {
        "error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}
    }
    api = client(httpx.MockTransport(lambda r: httpx.Response(400, json=body)))
    with pytest.raises(GraphApiError) as caught:
        api.fetch_lead("1", "t")
    assert str(caught.value) == (
        "The Graph API answered HTTP 400: OAuthException 190: Invalid OAuth access token."
    )


def test_server_error_with_a_html_page() -> None:
    api = client(httpx.MockTransport(lambda r: httpx.Response(500, text="<h1>Oops</h1>")))
    with pytest.raises(GraphApiError) as caught:
        api.fetch_lead("1", "t")
    assert str(caught.value) == "The Graph API answered HTTP 500: <h1>Oops</h1>"


def test_garbage_with_200() -> None:
    api = client(httpx.MockTransport(lambda r: httpx.Response(200, text="not json")))
    with pytest.raises(GraphApiError) as caught:
        api.fetch_lead("1", "t")
    assert str(caught.value) == (
        "The Graph API answered HTTP 200 with something other than JSON: 'not json'"
    )


def test_timeout_and_unreachable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(GraphApiError) as caught:
        client(httpx.MockTransport(slow)).fetch_lead("1", "t")
    assert str(caught.value) == "The Graph API did not answer within 2 s (ReadTimeout)."

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(GraphApiError) as caught:
        client(httpx.MockTransport(refused)).fetch_lead("1", "t")
    assert str(caught.value) == "The Graph API is unreachable: ConnectError: connection refused"


def test_refuses_without_a_token_or_with_an_odd_id() -> None:
    api = client(httpx.MockTransport(lambda r: pytest.fail("no request expected")))
    with pytest.raises(GraphApiError, match="no page access token"):
        api.fetch_lead("1", "")
    with pytest.raises(GraphApiError, match="is not a Meta lead id"):
        api.fetch_lead("1/../../me", "t")


def test_fake() -> None:
    fake = FakeGraphApi(leads={"1": LEAD})
    assert fake.fetch_lead("1", "t") == LEAD
    with pytest.raises(GraphApiError, match="no lead 2"):
        fake.fetch_lead("2", "t")
    fake.failure = GraphApiError("down")
    with pytest.raises(GraphApiError, match="down"):
        fake.fetch_lead("1", "t")
    assert fake.calls == [("1", "t"), ("2", "t"), ("1", "t")]
