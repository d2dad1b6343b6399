"""Schemathesis over the served OpenAPI spec: generated requests, valid and not, never get a
5xx, and every answer matches the documented schema."""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks

from leadwerk.storage.engine import Database
from tests.api.conftest import bearer

EXAMPLES_PER_OPERATION = 20


def test_api_never_fails_with_5xx(app: FastAPI, db: Database) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = bearer(db)
    labels = []
    for result in schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)

        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(headers=headers if case.path.startswith("/api/") else {})
            assert response.status_code < 500, (case.operation.label, response.text)
            # Business validation rightly refuses many schema-valid bodies (an email that is
            # a string but not an address), so schema-valid data may get a 422.
            case.validate_response(response, excluded_checks=[checks.positive_data_acceptance])

        run()
    assert "POST /api/v1/leads" in labels
