"""The httpx webhook sender against httpx.MockTransport: what it sends, what it keeps."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from leadwerk import __version__
from leadwerk.delivery.ports import FakeWebhookSender, HttpxWebhookSender, SendResult, SentRequest

URL = "https://hooks.example.com/in"
Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def requests() -> list[httpx.Request]:
    return []


@pytest.fixture
def make_sender(requests: list[httpx.Request]) -> Iterator[Callable[[Handler], HttpxWebhookSender]]:
    senders: list[HttpxWebhookSender] = []

    def make(handler: Handler) -> HttpxWebhookSender:
        def record(request: httpx.Request) -> httpx.Response:
            requests.append(request)
            return handler(request)

        sender = HttpxWebhookSender(timeout=10.0, transport=httpx.MockTransport(record))
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        sender.close()


def test_posts_the_body_and_headers_with_our_user_agent(
    make_sender: Callable[[Handler], HttpxWebhookSender], requests: list[httpx.Request]
) -> None:
    sender = make_sender(lambda r: httpx.Response(200, text="thanks"))
    result = sender.send(URL, b'{"a":1}', {"Content-Type": "application/json", "X-Test": "1"})
    assert result == SendResult(status_code=200, excerpt="thanks")
    assert result.ok is True
    [request] = requests
    assert (request.method, str(request.url), request.content) == ("POST", URL, b'{"a":1}')
    assert request.headers["user-agent"] == f"Leadwerk/{__version__}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-test"] == "1"


def test_redirects_are_not_followed(
    make_sender: Callable[[Handler], HttpxWebhookSender], requests: list[httpx.Request]
) -> None:
    sender = make_sender(
        lambda r: httpx.Response(302, headers={"Location": "https://elsewhere.example.com/"})
    )
    result = sender.send(URL, b"{}", {})
    assert result == SendResult(status_code=302, excerpt=None)
    assert result.ok is False
    assert len(requests) == 1
    assert result.describe() == "HTTP 302 (redirects are not followed; register the final URL)"


def test_only_the_start_of_a_long_answer_is_kept(
    make_sender: Callable[[Handler], HttpxWebhookSender],
) -> None:
    sender = make_sender(lambda r: httpx.Response(500, content=b"x" * 100_000))
    result = sender.send(URL, b"{}", {})
    assert result.status_code == 500
    assert result.excerpt == "x" * 500
    assert result.describe() == "HTTP 500: " + "x" * 200


def test_an_answer_that_is_not_utf8_is_kept_readable(
    make_sender: Callable[[Handler], HttpxWebhookSender],
) -> None:
    sender = make_sender(lambda r: httpx.Response(400, content=b"bad \xff\xfe input"))
    assert sender.send(URL, b"{}", {}).excerpt == "bad \ufffd\ufffd input"


def test_an_empty_answer_has_no_excerpt(
    make_sender: Callable[[Handler], HttpxWebhookSender],
) -> None:
    assert sender_result(make_sender, 204) == SendResult(status_code=204, excerpt=None)


def sender_result(make_sender: Callable[[Handler], HttpxWebhookSender], status: int) -> SendResult:
    return make_sender(lambda r: httpx.Response(status)).send(URL, b"{}", {})


@pytest.mark.parametrize(
    ("status", "ok"),
    [
        (199, False),
        (200, True),
        (201, True),
        (204, True),
        (299, True),
        (300, False),
        (404, False),
        (410, False),
        (500, False),
        (503, False),
    ],
)
def test_only_2xx_counts_as_delivered(
    make_sender: Callable[[Handler], HttpxWebhookSender], status: int, ok: bool
) -> None:
    assert sender_result(make_sender, status).ok is ok


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ReadTimeout("read timed out"), "timed out after 10 s (ReadTimeout)"),
        (httpx.ConnectTimeout("connect timed out"), "timed out after 10 s (ConnectTimeout)"),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            "ConnectError: [Errno 111] Connection refused",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected"),
            "RemoteProtocolError: Server disconnected",
        ),
    ],
)
def test_transport_errors_come_back_as_results(
    make_sender: Callable[[Handler], HttpxWebhookSender], error: Exception, expected: str
) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise error

    result = make_sender(fail).send(URL, b"{}", {})
    assert result == SendResult(error=expected)
    assert result.ok is False
    assert result.describe() == expected


def test_an_unusable_url_is_a_failed_attempt_not_a_crash(
    make_sender: Callable[[Handler], HttpxWebhookSender], requests: list[httpx.Request]
) -> None:
    result = make_sender(lambda r: httpx.Response(200)).send("http://[::1", b"{}", {})
    assert result == SendResult(error="InvalidURL: Invalid port: ':1'")
    assert requests == []


def test_cookies_set_by_a_receiver_are_not_sent_back(
    make_sender: Callable[[Handler], HttpxWebhookSender], requests: list[httpx.Request]
) -> None:
    sender = make_sender(lambda r: httpx.Response(200, headers={"Set-Cookie": "sid=abc; Path=/"}))
    sender.send(URL, b"{}", {})
    sender.send(URL, b"{}", {})
    assert [r.headers.get("cookie") for r in requests] == [None, None]


def test_a_trickled_answer_is_read_for_one_timeout_at_most() -> None:
    def trickle() -> Iterator[bytes]:
        for _ in range(20):
            time.sleep(0.05)
            yield b"x"

    sender = HttpxWebhookSender(
        timeout=0.2, transport=httpx.MockTransport(lambda r: httpx.Response(200, content=trickle()))
    )
    try:
        began = time.monotonic()
        result = sender.send(URL, b"{}", {})
        elapsed = time.monotonic() - began
    finally:
        sender.close()
    assert result.status_code == 200
    assert result.excerpt is not None
    assert 1 <= len(result.excerpt) < 20
    assert elapsed < 0.8  # the whole answer would take 1 s


def test_the_timeout_applies_to_every_phase() -> None:
    sender = HttpxWebhookSender(timeout=2.5, transport=httpx.MockTransport(httpx.Response))
    try:
        assert sender._client.timeout == httpx.Timeout(2.5)
        assert sender._client.follow_redirects is False
    finally:
        sender.close()


@pytest.mark.parametrize(
    ("result", "text"),
    [
        (SendResult(status_code=500, excerpt="boom"), "HTTP 500: boom"),
        (SendResult(status_code=404), "HTTP 404"),
        (
            SendResult(error="timed out after 10 s (ReadTimeout)"),
            "timed out after 10 s (ReadTimeout)",
        ),
    ],
)
def test_describe(result: SendResult, text: str) -> None:
    assert result.describe() == text


def test_the_fake_records_and_answers_as_told() -> None:
    fake = FakeWebhookSender(
        respond=lambda r: SendResult(status_code=410 if r.url.endswith("/gone") else 200)
    )
    assert fake.send("https://a.example/gone", b"1", {"A": "b"}).status_code == 410
    assert fake.send("https://a.example/ok", b"2", {}).status_code == 200
    assert fake.sent == [
        SentRequest("https://a.example/gone", b"1", {"A": "b"}),
        SentRequest("https://a.example/ok", b"2", {}),
    ]
    fake.close()
    assert fake.closed is True
