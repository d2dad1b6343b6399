"""The siteverify client against httpx.MockTransport: what it sends, and that it fails closed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs

import httpx
import pytest

from leadwerk.capture.spam.ports import (
    HCAPTCHA_VERIFY_URL,
    RECAPTCHA_VERIFY_URL,
    TURNSTILE_VERIFY_URL,
    FakeChallenge,
    SiteVerifyChallenge,
    challenge_from_settings,
)
from leadwerk.errors import ConfigurationError
from leadwerk.settings import Settings

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, answer: Handler) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def form(self, index: int = 0) -> dict[str, list[str]]:
        return parse_qs(self.requests[index].content.decode())


@pytest.fixture
def clients() -> Iterator[list[httpx.Client]]:
    made: list[httpx.Client] = []
    yield made
    for client in made:
        client.close()


def verifier(
    clients: list[httpx.Client], answer: Handler, url: str = TURNSTILE_VERIFY_URL
) -> tuple[SiteVerifyChallenge, Recorder]:
    recorder = Recorder(answer)
    client = httpx.Client(transport=httpx.MockTransport(recorder))
    clients.append(client)
    return SiteVerifyChallenge(url, "s3cret", timeout=2.0, client=client), recorder


@pytest.mark.parametrize("url", [TURNSTILE_VERIFY_URL, HCAPTCHA_VERIFY_URL, RECAPTCHA_VERIFY_URL])
def test_success_posts_the_siteverify_form(clients: list[httpx.Client], url: str) -> None:
    challenge, recorder = verifier(
        clients,
        lambda r: httpx.Response(
            200, json={"success": True, "challenge_ts": "2026-11-22T10:00:00Z", "hostname": "x"}
        ),
        url,
    )
    assert challenge.verify("tok-123", "203.0.113.7") is True
    [request] = recorder.requests
    assert (request.method, str(request.url)) == ("POST", url)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert recorder.form() == {
        "secret": ["s3cret"],
        "response": ["tok-123"],
        "remoteip": ["203.0.113.7"],
    }


def test_without_an_ip_no_remoteip_is_sent(clients: list[httpx.Client]) -> None:
    challenge, recorder = verifier(clients, lambda r: httpx.Response(200, json={"success": True}))
    assert challenge.verify("tok", None) is True
    assert recorder.form() == {"secret": ["s3cret"], "response": ["tok"]}


def test_failure(clients: list[httpx.Client], caplog: pytest.LogCaptureFixture) -> None:
    challenge, _ = verifier(
        clients,
        lambda r: httpx.Response(
            200, json={"success": False, "error-codes": ["invalid-input-response"]}
        ),
    )
    with caplog.at_level(logging.INFO, logger="leadwerk.spam"):
        assert challenge.verify("forged", "203.0.113.7") is False
    assert caplog.messages == ["challenge not passed: invalid-input-response"]


@pytest.mark.parametrize("token", [None, "", "x" * 4097])
def test_no_token_is_not_sent_anywhere(clients: list[httpx.Client], token: str | None) -> None:
    challenge, recorder = verifier(clients, lambda r: httpx.Response(200, json={"success": True}))
    assert challenge.verify(token, "203.0.113.7") is False
    assert recorder.requests == []


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("timed out"),
        httpx.ConnectTimeout("timed out"),
        httpx.ConnectError("connection refused"),
    ],
)
def test_network_errors_fail_closed(
    clients: list[httpx.Client], caplog: pytest.LogCaptureFixture, error: httpx.HTTPError
) -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise error

    challenge, _ = verifier(clients, boom)
    with caplog.at_level(logging.WARNING, logger="leadwerk.spam"):
        assert challenge.verify("tok", "203.0.113.7") is False
    assert caplog.messages == [
        f"challenge verification failed: {type(error).__name__} from {TURNSTILE_VERIFY_URL} "
        f"({error})"
    ]


def test_the_timeout_is_passed_to_httpx(clients: list[httpx.Client]) -> None:
    seen: list[object] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(200, json={"success": True})

    challenge, _ = verifier(clients, answer)
    assert challenge.verify("tok", None) is True
    assert seen == [{"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}]


@pytest.mark.parametrize(
    ("response", "log_line"),
    [
        (
            httpx.Response(200, text="<html>Service Unavailable</html>"),
            f"challenge verification failed: {TURNSTILE_VERIFY_URL} answered no JSON",
        ),
        (
            httpx.Response(200, json=["success", True]),
            f"challenge verification failed: {TURNSTILE_VERIFY_URL} answered without a "
            "boolean 'success'",
        ),
        (
            httpx.Response(200, json={"success": "true"}),
            f"challenge verification failed: {TURNSTILE_VERIFY_URL} answered without a "
            "boolean 'success'",
        ),
        (
            httpx.Response(200, json={}),
            f"challenge verification failed: {TURNSTILE_VERIFY_URL} answered without a "
            "boolean 'success'",
        ),
        (
            httpx.Response(500, json={"success": True}),
            f"challenge verification failed: HTTP 500 from {TURNSTILE_VERIFY_URL}",
        ),
        (
            httpx.Response(302, headers={"location": "https://evil.example/"}),
            f"challenge verification failed: HTTP 302 from {TURNSTILE_VERIFY_URL}",
        ),
    ],
)
def test_garbage_answers_fail_closed(
    clients: list[httpx.Client],
    caplog: pytest.LogCaptureFixture,
    response: httpx.Response,
    log_line: str,
) -> None:
    challenge, _ = verifier(clients, lambda r: response)
    with caplog.at_level(logging.WARNING, logger="leadwerk.spam"):
        assert challenge.verify("tok", "203.0.113.7") is False
    assert caplog.messages == [log_line]


def test_fake_passes_only_its_tokens() -> None:
    fake = FakeChallenge(["good"])
    assert fake.verify("good", "203.0.113.7") is True
    assert fake.verify("bad", None) is False
    assert fake.verify(None, None) is False
    assert fake.calls == [("good", "203.0.113.7"), ("bad", None), (None, None)]


def test_challenge_from_settings() -> None:
    assert challenge_from_settings(Settings(environment="dev")) is None
    built = challenge_from_settings(
        Settings(
            environment="dev",
            challenge_verify_url=HCAPTCHA_VERIFY_URL,
            challenge_secret="0x0000000000000000000000000000000000000000",
        )
    )
    assert built is not None
    assert built.verify_url == HCAPTCHA_VERIFY_URL
    built.close()
    with pytest.raises(ConfigurationError, match="LEADWERK_CHALLENGE_SECRET is not"):
        challenge_from_settings(
            Settings(environment="dev", challenge_verify_url=TURNSTILE_VERIFY_URL)
        )
