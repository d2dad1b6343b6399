"""`leadwerk worker`: deliver the outbox (webhooks, with retries) apart from `leadwerk serve`."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import typer

from leadwerk.cli.common import DatabaseUrlOption, console, database, domain_errors, load_settings
from leadwerk.container import Container
from leadwerk.observability import configure_logging
from leadwerk.scheduler import build_scheduler
from leadwerk.worker import build_worker

log = logging.getLogger("leadwerk.cli.worker")


def default_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@contextmanager
def _stop_on_signals(request_stop: Callable[[], None]) -> Iterator[threading.Event]:
    """SIGTERM and SIGINT ask for a clean stop; a second one stops at once."""
    stopped = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stopped
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        if stopped.is_set():
            raise KeyboardInterrupt
        log.info(
            "%s received: stopping after the current delivery (send it again to stop at once)",
            signal.Signals(signum).name,
        )
        stopped.set()
        request_stop()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stopped
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def worker(
    database_url: str | None = DatabaseUrlOption,
    name: str | None = typer.Option(
        None,
        "--name",
        help="How this worker shows in claims and in the delivery log; give each worker its "
        "own. Default: <host>:<pid>.",
        show_default=False,
    ),
    once: bool = typer.Option(
        False,
        "--once",
        help="Deliver what is due now and run each scheduled job once, then exit (for cron "
        "jobs and tests). Failed deliveries are scheduled for their retry as usual.",
    ),
) -> None:
    """Deliver the outbox (signed webhooks and email, with retries and a dead-letter state)
    and run the scheduled jobs (double opt-in reminders and expiry). Run one or more next to
    `leadwerk serve --no-worker`; on PostgreSQL any number of workers on any machines share
    the work. Stops cleanly on SIGTERM or Ctrl-C."""
    settings = load_settings(database_url=database_url)
    configure_logging(settings.log_level, settings.log_format.value)
    with domain_errors(), database(settings) as db:
        container = Container.build(settings, db)
        the_worker = build_worker(container, name=name or default_name())
        scheduler = build_scheduler(container)
        with _stop_on_signals(the_worker.request_stop) as stopped:
            if once:
                try:
                    processed = the_worker.drain()
                    jobs = scheduler.run_due(force=True)
                finally:
                    the_worker.stop()
                console.print(f"Processed {processed} outbox messages.")
                for job, report in jobs.items():
                    console.print(f"{job}: {report}")
                return
            the_worker.start()
            scheduler.start()
            try:
                while not stopped.wait(1.0) and the_worker.running:
                    pass
            finally:
                scheduler.stop()
                the_worker.stop()
