"""The exact bytes and headers of a webhook request, and the worker's configuration checks."""

from __future__ import annotations

import pytest

from leadwerk.delivery import rules
from leadwerk.delivery.worker import WorkerConfig, encode_body, webhook_headers
from leadwerk.errors import ConfigurationError

ENVELOPE = {
    "id": "6f1c",
    "type": "lead.created",
    "occurred_at": "2030-03-04T10:00:00+00:00",
    "data": {"id": 7, "last_name": "Müller", "tags": [1, 2], "company": None},
}


def test_body_is_compact_utf8_json() -> None:
    assert (
        encode_body(ENVELOPE)
        == (
            '{"id":"6f1c","type":"lead.created","occurred_at":"2030-03-04T10:00:00+00:00",'
            '"data":{"id":7,"last_name":"Müller","tags":[1,2],"company":null}}'
        ).encode()
    )


def test_headers_name_the_event_and_delivery_and_sign_the_body() -> None:
    body = encode_body(ENVELOPE)
    headers = webhook_headers(
        secret="whsec_abc",
        timestamp=1_900_000_000,
        body=body,
        event_type="lead.created",
        delivery_id="6f1c:3",
    )
    assert headers == {
        "Content-Type": "application/json",
        "Leadwerk-Event": "lead.created",
        "Leadwerk-Delivery": "6f1c:3",
        "Leadwerk-Signature": rules.sign("whsec_abc", 1_900_000_000, body),
    }
    assert rules.verify("whsec_abc", headers["Leadwerk-Signature"], body, 1_900_000_010)


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"lease_seconds": 15.0, "timeout_seconds": 10.0}, "LEADWERK_WORKER_LEASE_SECONDS"),
        ({"batch_size": 0}, "LEADWERK_WORKER_BATCH_SIZE"),
        ({"max_attempts": 0}, "LEADWERK_OUTBOX_MAX_ATTEMPTS"),
        ({"poll_seconds": 0}, "LEADWERK_WORKER_POLL_SECONDS"),
    ],
)
def test_unworkable_configurations_are_refused(fields: dict[str, float], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        WorkerConfig(**fields)  # type: ignore[arg-type]


def test_defaults_match_the_settings_defaults() -> None:
    from leadwerk.settings import Settings
    from leadwerk.worker import worker_config

    config = worker_config(Settings(environment="dev"))
    assert config == WorkerConfig()
