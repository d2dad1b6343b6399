"""`build_worker(container, name)`: the outbox worker wired to this installation's settings.

Lives at the top of the package, like `app.py`: it chooses the adapters (the httpx sender)
that the delivery domain only knows as a Protocol.
"""

from __future__ import annotations

from leadwerk import __version__
from leadwerk.container import Container
from leadwerk.delivery.ports import HttpxWebhookSender
from leadwerk.delivery.worker import Worker, WorkerConfig
from leadwerk.settings import Settings


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
    return Worker(name=name, db=container.db, config=worker_config(settings), sender=sender)
