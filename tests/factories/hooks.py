"""Factories for inbound hooks, and signed requests the way each platform sends them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from leadwerk.capture.hooks import rules
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.models import InboundHook
from leadwerk.capture.hooks.types import HookKind
from leadwerk.delivery import rules as signing

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hooks"
META_APP_SECRET = "meta-app-secret-0123456789abcdef"
META_PAGE_TOKEN = "EAAG-page-access-token"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def make_hook(
    session: Session,
    kind: HookKind = HookKind.GOOGLE_ADS,
    *,
    name: str | None = None,
    mapping: dict[str, str] | None = None,
) -> InboundHook:
    return hooks.create_hook(
        session,
        kind=kind,
        name=name or f"{kind.value} hook",
        actor="test",
        app_secret=META_APP_SECRET if kind is HookKind.META else None,
        access_token=META_PAGE_TOKEN if kind is HookKind.META else None,
        field_mapping=mapping,
    )


def google_body(hook: InboundHook, name: str = "google_ads_lead.json", **changes: Any) -> bytes:
    """A fixture with the hook's key (or whatever `changes` says)."""
    payload = {**fixture(name), "google_key": hook.secret, **changes}
    return json.dumps(payload).encode()


def meta_headers(body: bytes, secret: str = META_APP_SECRET) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        rules.META_SIGNATURE_HEADER: rules.meta_signature(secret, body),
    }


def generic_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        signing.SIGNATURE_HEADER: signing.sign(secret, stamp, body),
    }
