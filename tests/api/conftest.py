from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from leadwerk.app import create_app
from leadwerk.auth.types import Scope
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database
from tests.factories.auth import make_api_key


@pytest.fixture
def app(settings: Settings, db: Database) -> FastAPI:
    return create_app(settings, db=db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def bearer(db: Database, *scopes: Scope) -> dict[str, str]:
    with db.transaction() as session:
        key = make_api_key(session, *scopes)
    return {"Authorization": f"Bearer {key.secret}"}


@pytest.fixture
def headers(db: Database) -> dict[str, str]:
    """A key with every scope."""
    return bearer(db)
