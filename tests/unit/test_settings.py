from __future__ import annotations

import pytest
from pydantic import ValidationError

from leadwerk.settings import Settings


def test_placeholder_secret_refused_outside_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEADWERK_SECRET_KEY", raising=False)
    monkeypatch.delenv("LEADWERK_ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError, match="LEADWERK_SECRET_KEY is a placeholder"):
        Settings()
    with pytest.raises(ValidationError, match="shorter than 32"):
        Settings(secret_key="too-short")


def test_dev_mode_accepts_placeholder_and_env_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADWERK_ENVIRONMENT", "dev")
    monkeypatch.setenv("LEADWERK_PORT", "9001")
    s = Settings()
    assert s.port == 9001
    assert s.is_sqlite
    assert not s.secure_cookies
    assert Settings(port=9002).port == 9002  # flags (init arguments) beat the environment


def test_https_base_url_makes_cookies_secure() -> None:
    s = Settings(environment="dev", base_url="https://leads.example.com")
    assert s.secure_cookies


def test_public_url_defaults_to_the_listen_address() -> None:
    assert Settings(environment="dev", port=8123).public_url == "http://127.0.0.1:8123"
    assert Settings(environment="dev", host="0.0.0.0").public_url == "http://127.0.0.1:8000"  # noqa: S104
    assert Settings(environment="dev", base_url="https://x.example/").public_url == (
        "https://x.example"
    )
