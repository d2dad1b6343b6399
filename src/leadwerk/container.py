"""What `create_app` builds once and every edge reaches through `app.state.container`."""

from __future__ import annotations

from dataclasses import dataclass

from leadwerk.auth.service import ApiKeyVerifier
from leadwerk.capture.quality.ports import MxLookup, mx_lookup_from_settings
from leadwerk.consent.types import ConsentLinks
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database


@dataclass
class Container:
    settings: Settings
    db: Database
    api_keys: ApiKeyVerifier
    mx_lookup: MxLookup | None  # every channel passes it to capture.service.run_intake
    consent_links: ConsentLinks  # so does every channel: the links of double opt-in emails

    @classmethod
    def build(cls, settings: Settings, db: Database) -> Container:
        return cls(
            settings=settings,
            db=db,
            api_keys=ApiKeyVerifier(db, ttl=settings.api_key_cache_seconds),
            mx_lookup=mx_lookup_from_settings(settings),
            consent_links=ConsentLinks.from_settings(settings),
        )
