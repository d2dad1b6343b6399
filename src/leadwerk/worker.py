"""`build_worker(container, name)`: the outbox worker wired to this installation's settings.

Lives at the top of the package, like `app.py`: it chooses the adapters (the httpx sender, the
mail transport) that the delivery domain only knows as Protocols, and hands it the send-time
check of email (`ConsentCheck`), which asks identity and consent: delivery knows neither.
"""

from __future__ import annotations

from leadwerk import __version__
from leadwerk.consent import gate
from leadwerk.container import Container
from leadwerk.delivery.mail import transport_from_url
from leadwerk.delivery.ports import HttpxWebhookSender
from leadwerk.delivery.worker import Mailer, Worker, WorkerConfig
from leadwerk.identity import merging
from leadwerk.leads import service as leads
from leadwerk.settings import Settings
from leadwerk.storage.engine import Database


class ConsentCheck:
    """Asked before each email goes out: follows the lead through merges since the message
    was queued, then asks the consent gate."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def refusal(self, lead_id: int | None, purpose: str | None) -> str | None:
        with self.db.read() as session:
            if lead_id is not None and not leads.lead_exists(session, lead_id):
                found = merging.current_survivor(session, lead_id)
                if found is None:
                    return f"Not sent: lead {lead_id} no longer exists (erased)."
                lead_id = found[1].id
            decision = gate.decide(session, lead_id, purpose)
        return None if decision.allowed else f"Not sent: {decision.reason}."


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        poll_seconds=settings.worker_poll_seconds,
        batch_size=settings.worker_batch_size,
        lease_seconds=settings.worker_lease_seconds,
        max_attempts=settings.outbox_max_attempts,
        backoff_base_seconds=settings.outbox_backoff_base_seconds,
        backoff_max_seconds=settings.outbox_backoff_max_seconds,
        timeout_seconds=settings.webhook_timeout_seconds,
    )


def build_worker(container: Container, name: str) -> Worker:
    """A worker on the container's database. `name` shows in claims and in the delivery log;
    give each running worker its own."""
    settings = container.settings
    sender = HttpxWebhookSender(
        timeout=settings.webhook_timeout_seconds, user_agent=f"Leadwerk/{__version__}"
    )
    mailer = Mailer(
        transport=transport_from_url(settings.smtp_url, timeout=settings.smtp_timeout_seconds),
        sender=settings.mail_from,
        policy=ConsentCheck(container.db),
    )
    return Worker(
        name=name, db=container.db, config=worker_config(settings), sender=sender, mailer=mailer
    )
