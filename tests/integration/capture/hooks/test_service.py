"""Hook management and delivery bookkeeping in the service, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from leadwerk.auth.models import AuditEntry
from leadwerk.capture.hooks import receiving
from leadwerk.capture.hooks import service as hooks
from leadwerk.capture.hooks.models import InboundDelivery
from leadwerk.capture.hooks.ports import FakeGraphApi
from leadwerk.capture.hooks.types import DeliveryStatus, HookKind
from leadwerk.errors import Conflict, NotFound, ValidationFailed
from leadwerk.leads.models import Lead
from leadwerk.storage.base import utcnow
from leadwerk.storage.engine import Database
from tests.factories.hooks import make_hook


def test_each_hook_has_its_own_token_and_secret(db: Database) -> None:
    with db.transaction() as session:
        a = make_hook(session, HookKind.GOOGLE_ADS)
        b = make_hook(session, HookKind.GOOGLE_ADS)
        g = make_hook(session, HookKind.GENERIC)
        m = make_hook(session, HookKind.META)
    assert len({a.token, b.token, g.token, m.token}) == 4
    assert a.secret != b.secret
    assert a.secret.startswith("gak_")
    assert g.secret.startswith("lwhk_")
    assert len(a.token) == 32
    assert m.verify_token is not None
    assert (a.verify_token, g.verify_token) == (None, None)
    assert hooks.hook_path(a) == f"/hooks/google-ads/{a.token}"


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"kind": "google_ads", "name": " "}, {"name": "Give the hook a name."}),
        ({"kind": "nope", "name": "x"}, {"kind": "Choose Google Ads, Meta or generic."}),
        ({"kind": "meta", "name": "x"}, {"app_secret": "Paste the app secret."}),
        (
            {"kind": "meta", "name": "x", "app_secret": "s", "access_token": "a b"},
            {"access_token": "The page access token is one word of at most 1000 characters."},
        ),
        (
            {"kind": "generic", "name": "x", "field_mapping": {"email": "a..b"}},
            {"mapping.email": "'a..b' is not a path: A name is missing before position 2."},
        ),
        ({"kind": "generic", "name": "x" * 101}, {"name": "At most 100 characters, not 101."}),
    ],
)
def test_create_refuses_bad_input(
    db: Database, kwargs: dict[str, object], errors: dict[str, str]
) -> None:
    with db.transaction() as session, pytest.raises(ValidationFailed) as caught:
        hooks.create_hook(session, actor="test", **kwargs)  # type: ignore[arg-type]
    assert caught.value.errors == errors
    with db.read() as session:
        assert hooks.list_hooks(session) == []


def test_rotate_and_credentials_and_audit(db: Database) -> None:
    with db.transaction() as session:
        google = make_hook(session, HookKind.GOOGLE_ADS)
        meta = make_hook(session, HookKind.META)
    old_key, old_verify, old_secret = google.secret, meta.verify_token, meta.secret
    with db.transaction() as session:
        assert hooks.rotate_secret(session, google.id, actor="anna").secret != old_key
        rotated = hooks.rotate_secret(session, meta.id, actor="anna")
        assert (rotated.secret, rotated.verify_token != old_verify) == (old_secret, True)
        changed = hooks.set_meta_credentials(
            session, meta.id, app_secret="", access_token="EAAnew", actor="anna"
        )
        assert (changed.secret, changed.access_token) == (old_secret, "EAAnew")
        with pytest.raises(Conflict):
            hooks.set_meta_credentials(
                session, google.id, app_secret="x", access_token=None, actor="anna"
            )
        with pytest.raises(Conflict):
            hooks.set_mapping(session, google.id, {"email": "a"}, actor="anna")
        with pytest.raises(NotFound):
            hooks.rotate_secret(session, 10**12, actor="anna")
    with db.read() as session:
        actions = session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "inbound_hook")
            .order_by(AuditEntry.id)
        ).all()
    assert actions == [
        "hook.created",
        "hook.created",
        "hook.secret_rotated",
        "hook.secret_rotated",
        "hook.credentials_changed",
    ]


def test_a_processed_delivery_is_not_retried(db: Database) -> None:
    with db.transaction() as session:
        hook = make_hook(session, HookKind.GENERIC)
        session.add(
            InboundDelivery(
                hook_id=hook.id,
                external_id="e1",
                body='{"email": "a@example.de"}',
                status=DeliveryStatus.RECEIVED,
                attempts=0,
            )
        )
    with db.read() as session:
        delivery = session.scalars(select(InboundDelivery)).one()
    done = receiving.process(db, delivery.id, FakeGraphApi())
    assert (done.status, done.attempts) == (DeliveryStatus.PROCESSED, 1)
    assert receiving.process(db, delivery.id, FakeGraphApi()).attempts == 1
    with pytest.raises(Conflict, match="was processed already"):
        receiving.retry(db, delivery.id, FakeGraphApi(), actor="test")
    with pytest.raises(NotFound):
        receiving.retry(db, 10**12, FakeGraphApi(), actor="test")


def test_deleting_a_hook_deletes_its_deliveries_but_keeps_leads(db: Database) -> None:
    with db.transaction() as session:
        hook = make_hook(session, HookKind.GENERIC)
        session.add(
            InboundDelivery(
                hook_id=hook.id, body='{"email": "b@example.de"}', status=DeliveryStatus.RECEIVED
            )
        )
    with db.read() as session:
        delivery_id = session.scalars(select(InboundDelivery.id)).one()
    lead_id = receiving.process(db, delivery_id, FakeGraphApi()).lead_id
    assert lead_id is not None
    with db.transaction() as session:
        hooks.delete_hook(session, hook.id, actor="test")
    with db.read() as session:
        assert session.scalars(select(InboundDelivery)).all() == []
        assert session.get(Lead, lead_id) is not None


def test_a_delivery_left_unprocessed_becomes_a_dead_letter(db: Database) -> None:
    now = utcnow()
    with db.transaction() as session:
        hook = make_hook(session, HookKind.GENERIC)
        for external_id, age in (("stale", timedelta(minutes=11)), ("fresh", timedelta(0))):
            session.add(
                InboundDelivery(
                    hook_id=hook.id,
                    external_id=external_id,
                    body=f'{{"email": "{external_id}@example.de"}}',
                    status=DeliveryStatus.RECEIVED,
                    received_at=now - age,
                )
            )
    with db.read() as session:
        dead = hooks.list_deliveries(session, dead_letters=True)
    assert [d.external_id for d, _h in dead] == ["stale"]
    summary = receiving.retry_failed(db, FakeGraphApi(), actor="test")
    assert summary == receiving.RetrySummary(retried=1, processed=1, failed=0)
    with db.read() as session:
        rows = session.scalars(select(InboundDelivery).order_by(InboundDelivery.id)).all()
    assert [(d.external_id, d.status) for d in rows] == [
        ("stale", DeliveryStatus.PROCESSED),
        ("fresh", DeliveryStatus.RECEIVED),
    ]
