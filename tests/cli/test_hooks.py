"""`leadwerk hooks list | failed | retry` on a database of the test's own (both engines)."""

from __future__ import annotations

import json
import time

from leadwerk.capture.hooks import receiving
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.ports import FakeGraphApi
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind
from leadwerk.storage.engine import Database
from tests.cli.conftest import Invoke
from tests.factories.hooks import fixture, generic_headers, make_hook


def test_list_failed_and_retry(invoke: Invoke, fresh_database_url: str) -> None:
    url = ["--database-url", fresh_database_url]
    db = Database.from_url(fresh_database_url, pool_size=2)
    try:
        with db.transaction() as session:
            hook = make_hook(session, HookKind.GENERIC, name="Make", mapping={"email": "x.y"})
        body = json.dumps(fixture("generic_zapier.json")).encode()
        lowered = {k.lower(): v for k, v in generic_headers(body, hook.secret).items()}
        receipt = receiving.receive(
            db,
            HookKind.GENERIC,
            hook.token,
            body=body,
            headers=lowered,
            now=int(time.time()),
            tolerance=300,
            graph=FakeGraphApi(),
        )
        assert receipt.failed == 1

        r = invoke("hooks", "list", "--json", *url)
        assert r.exit_code == 0
        assert json.loads(r.output) == [
            {
                "id": hook.id,
                "kind": "generic",
                "name": "Make",
                "path": f"/hooks/generic/{hook.token}",
                "active": True,
                "processed": 0,
                "failed": 1,
            }
        ]
        assert invoke("hooks", "list", *url).exit_code == 0
        r = invoke("hooks", "failed", "--json", *url)
        assert r.exit_code == 0
        (row,) = json.loads(r.output)
        assert (row["hook"], row["external_id"], row["attempts"]) == ("Make", None, 1)
        assert row["error"] == (
            "No email address and no phone number in the payload (mapped: email ← x.y)."
        )
        assert invoke("hooks", "failed", *url).exit_code == 0

        with db.read() as session:
            ((delivery, _h),) = hooks.list_deliveries(session, status=DeliveryStatus.FAILED)
        r = invoke("hooks", "retry", str(delivery.id), *url)
        assert r.exit_code == 1
        assert f"delivery {delivery.id} failed again: No email address" in r.output

        with db.transaction() as session:
            hooks.set_mapping(
                session,
                hook.id,
                {
                    "email": "contact.email",
                    "country": "data.fields[1].value",
                    "phone": "contact.phone",
                },
                actor="test",
            )
        r = invoke("hooks", "retry", "--all", *url)
        assert (r.exit_code, r.output) == (0, "Retried 1: 1 processed, 0 failed.\n")
        with db.read() as session:
            done = hooks.get_delivery(session, delivery.id)
        assert (done.status, done.attempts) == (DeliveryStatus.PROCESSED, 3)

        r = invoke("hooks", "retry", str(delivery.id), *url)
        assert r.exit_code == 1
        assert f"Delivery {delivery.id} was processed already" in r.output
    finally:
        db.dispose()


def test_retry_needs_an_id_or_all(invoke: Invoke) -> None:
    r = invoke("hooks", "retry")
    assert r.exit_code == 2
    assert "name one delivery id, or pass --all" in r.output
    r = invoke("hooks", "retry", "5", "--all")
    assert r.exit_code == 2
