"""Benchmark: tracking events per second through `POST /t/events`, against a bare multi-row
INSERT of the same events, measured in the same run on the same scratch database.

What it does, per database (SQLite file and/or a fresh PostgreSQL database):

1. creates a scratch database and migrates it;
2. baseline: writes the same kind of event rows straight into `tracking_events` with
   SQLAlchemy Core, 500 rows per multi-row INSERT and one transaction per INSERT (one
   visitor row per visitor made beforehand): what the database takes when nothing else runs;
3. serves Leadwerk (`create_app(Settings(...))`, no embedded worker) with uvicorn, the site
   origin allowed, and drives `POST /t/events` from this process: 32 concurrent keep-alive
   clients, each request a realistic batch of one visitor (1 to 20 events: page views with
   UTM parameters and referrers, custom events, now and then an identify, which runs the
   intake pipeline, or an anonymous abandoned cart), sent as text/plain like sendBeacon does;
4. counts the rows afterwards: every event answered 202 must be in `tracking_events`;
5. prints one JSON object: events/s and requests/s of Leadwerk (median over the rounds),
   latency percentiles, the baseline's events/s, ratio = Leadwerk / baseline, and the target
   (>= 2,000 events/s on PostgreSQL). Progress goes to stderr.

    .venv/bin/python bench/tracking.py --database both     # the documented figures
    .venv/bin/python bench/tracking.py --quick             # SQLite, a smoke run (seconds)

Benchmarks are not tests: the target is reported in the JSON, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, insert, select

from _common import (
    DEFAULT_POSTGRES_URL,
    median,
    progress,
    run_per_database,
    scratch_database,
    serve,
)
from intake import LoadResult, drive, open_clients, run_load
from leadwerk import schema
from leadwerk.capture.tracking import rules
from leadwerk.capture.tracking.models import TrackingEvent, Visitor
from leadwerk.capture.tracking.types import TrackedEvent
from leadwerk.storage.engine import Database, make_engine

SITE = "https://shop.example.com"
PATH = "/t/events"
TARGET_EVENTS_PER_S = 2000.0
MAX_EVENTS_PER_REQUEST = 20
IDENTIFY_FRACTION = 0.005  # requests that carry an identify call (runs the intake pipeline)
CART_FRACTION = 0.005  # requests that carry an anonymous abandoned cart
BASELINE_BATCH = 500
PREPARED_PER_S = 400  # request bodies made per second of a run (more than it can send)
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
PAGES = ("/", "/pricing", "/produkte/crm", "/blog/leadscoring", "/kontakt", "/demo", "/jobs")
LANDINGS = (
    "?utm_source=google&utm_medium=cpc&utm_campaign=crm-2026&utm_term=lead+management",
    "?utm_source=linkedin&utm_medium=paid_social&utm_campaign=cfo-guide",
    "?utm_source=newsletter&utm_medium=email&utm_campaign=2026-11",
    "?gclid=Cj0KCQiA",
    "",
    "",
)
REFERRERS = (
    "https://www.google.de/",
    "https://www.bing.com/",
    "https://www.linkedin.com/feed/",
    "https://partner-blog.example.org/post/42",
    None,
    None,
)
EVENT_NAMES = ("video_played", "pricing_toggled", "download_started", "chat_opened", "scrolled_75")


# --- the app under test, as uvicorn's factory ------------------------------------------------


def create_leadwerk_app() -> FastAPI:
    """`tracking:create_leadwerk_app`: what `leadwerk serve --no-worker` serves, from env."""
    from leadwerk.app import create_app
    from leadwerk.observability import configure_logging
    from leadwerk.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format.value)
    return create_app(settings, embedded_worker=False)


# --- payloads --------------------------------------------------------------------------------


def _event(rng: random.Random, now_ms: float, i: int) -> dict[str, Any]:
    url = "https://shop.example.com" + rng.choice(PAGES)
    if i == 0:
        url += rng.choice(LANDINGS)
    kind = rng.random()
    ts = now_ms - rng.randrange(0, 5000)
    if kind < 0.7:
        event: dict[str, Any] = {"type": "page_view", "url": url, "title": "Shop", "ts": ts}
        referrer = rng.choice(REFERRERS) if i == 0 else "https://shop.example.com/"
        if referrer:
            event["referrer"] = referrer
        return event
    return {
        "type": "event",
        "name": rng.choice(EVENT_NAMES),
        "url": url,
        "ts": ts,
        "props": {"position": rng.randrange(100), "variant": rng.choice("ab")},
    }


class Bodies:
    """Endless deterministic request bodies; counts the events handed out."""

    def __init__(self, label: str, seed: int, visitors: int) -> None:
        self.rng = random.Random(seed)
        self.label = label
        self.visitors = visitors
        self.events = 0
        self.requests = 0

    def batch(self) -> dict[str, Any]:
        rng = self.rng
        self.requests += 1
        count = rng.randint(1, MAX_EVENTS_PER_REQUEST)
        now_ms = time.time() * 1000
        events = [_event(rng, now_ms, i) for i in range(count)]
        roll = rng.random()
        if roll < IDENTIFY_FRACTION:
            email = f"{self.label}.{self.requests}@example.de"
            events[-1] = {"type": "identify", "url": events[-1]["url"], "props": {"email": email}}
        elif roll < IDENTIFY_FRACTION + CART_FRACTION:
            events[-1] = {
                "type": "cart_abandoned",
                "url": "https://shop.example.com/cart",
                "props": {"cart_value": 89.9, "currency": "EUR", "items": [{"sku": "A-1"}]},
            }
        self.events += count
        return {"visitor_id": f"{self.label}-v{rng.randrange(self.visitors):06d}", "events": events}

    def __iter__(self) -> Iterator[bytes]:
        while True:
            yield json.dumps(self.batch()).encode()


class Prepared:
    """Bodies made before the clock starts (the load generator shares the machine with the
    server, so it should spend its CPU on HTTP only); counts the events handed out."""

    def __init__(self, bodies: Bodies, count: int) -> None:
        made = []
        for _ in range(count):
            before = bodies.events
            made.append((json.dumps(bodies.batch()).encode(), bodies.events - before))
        self.bodies = made
        self.events = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:  # a long run reuses them: the same visitors come back, as they do
            for body, events in self.bodies:
                self.events += events
                yield body


# --- baseline: a bare multi-row INSERT of the same events ------------------------------------


def baseline(url: str, events: int, seed: int) -> dict[str, Any]:
    """Validated events of the same mix, written with 500-row INSERTs, nothing else."""
    bodies = Bodies("base", seed, 2000)
    now = datetime.now(UTC)
    tracked: list[TrackedEvent] = []
    while len(tracked) < events:
        batch = rules.parse_batch(
            bodies.batch(), now=now, skew=timedelta(minutes=10), max_events=100
        )
        tracked.extend(batch.events)
    engine = make_engine(url, pool_size=2)
    db = Database.from_engine(engine)
    try:
        with db.transaction() as s:
            ids = {}
            for anonymous_id in sorted({e.anonymous_id for e in tracked}):
                ids[anonymous_id] = s.execute(
                    insert(Visitor)
                    .values(
                        anonymous_id=anonymous_id,
                        first_seen_at=now,
                        last_seen_at=now,
                        first_channel="direct",
                    )
                    .returning(Visitor.id)
                ).scalar_one()
        rows = [
            {
                "visitor_id": ids[e.anonymous_id],
                "lead_id": None,
                "type": e.type,
                "name": e.name,
                "url": e.url,
                "referrer": e.referrer,
                "utm_source": e.utm_source,
                "utm_medium": e.utm_medium,
                "utm_campaign": e.utm_campaign,
                "utm_term": e.utm_term,
                "utm_content": e.utm_content,
                "channel": e.channel,
                "occurred_at": e.occurred_at,
                "received_at": e.received_at,
                "properties": e.properties,
            }
            for e in tracked
        ]
        started = time.perf_counter()
        for start in range(0, len(rows), BASELINE_BATCH):
            with db.transaction() as s:
                s.execute(insert(TrackingEvent), rows[start : start + BASELINE_BATCH])
        seconds = time.perf_counter() - started
        with db.read() as s:
            stored = s.scalar(select(func.count()).select_from(TrackingEvent))
            s.connection().execute(TrackingEvent.__table__.delete())  # type: ignore[attr-defined]
            s.connection().execute(Visitor.__table__.delete())  # type: ignore[attr-defined]
            s.commit()
    finally:
        engine.dispose()
    return {
        "events": len(rows),
        "stored": stored,
        "seconds": round(seconds, 3),
        "events_per_s": round(len(rows) / seconds, 1),
        "rows_per_insert": BASELINE_BATCH,
    }


# --- one database ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    clients: int
    seconds: float
    warmup_seconds: float
    rounds: int
    server_workers: int
    visitors: int
    baseline_events: int
    writer_threads: int
    postgres_url: str


def _summary(result: LoadResult, events: int) -> dict[str, Any]:
    s = result.summary()
    s["events"] = events
    s["events_per_s"] = round(events / result.seconds, 1) if result.seconds else 0.0
    return s


def bench_database(kind: str, opts: Options) -> dict[str, Any]:
    with scratch_database(kind, opts.postgres_url) as url:
        progress(f"{kind}: preparing the scratch database")
        engine = make_engine(url, pool_size=2)
        schema.upgrade(engine)
        engine.dispose()
        base = baseline(url, opts.baseline_events, seed=7)
        progress(f"{kind} baseline (bare 500-row INSERTs): {base['events_per_s']:.0f} events/s")
        env = {
            "LEADWERK_DATABASE_URL": url,
            "LEADWERK_SECRET_KEY": secrets.token_urlsafe(48),
            "LEADWERK_ENVIRONMENT": "production",
            "LEADWERK_LOG_LEVEL": "WARNING",
            "LEADWERK_LOG_FORMAT": "json",
            "LEADWERK_TRACKING_ALLOWED_ORIGINS": json.dumps([SITE]),
            "LEADWERK_TRACKING_WRITER_THREADS": str(opts.writer_threads),
        }
        headers = {"Origin": SITE, "User-Agent": BROWSER_UA, "Content-Type": "text/plain"}
        sent_events = 0
        runs: list[dict[str, Any]] = []
        with serve(
            "leadwerk", "tracking:create_leadwerk_app", env=env, workers=opts.server_workers
        ) as server:
            endpoint = server.base_url + PATH

            async def measure() -> list[tuple[LoadResult, int]]:
                clients = open_clients(opts.clients, headers)
                out = []
                try:
                    for rnd in range(opts.rounds + 1):  # round 0 is the warm-up
                        seconds = opts.warmup_seconds if rnd == 0 else opts.seconds
                        bodies = Prepared(
                            Bodies(f"r{rnd}", rnd, opts.visitors), int(seconds * PREPARED_PER_S)
                        )
                        result = await drive(
                            endpoint, iter(bodies), clients, max_requests=None, seconds=seconds
                        )
                        out.append((result, bodies.events))
                finally:
                    for client in clients:
                        await client.aclose()
                return out

            results: list[tuple[LoadResult, int]] = run_load(measure())  # type: ignore[arg-type]
            for rnd, (result, events) in enumerate(results):
                sent_events += events
                if rnd == 0:
                    continue
                summary = _summary(result, events)
                runs.append({"round": rnd, **summary})
                progress(
                    f"{kind} round {rnd}/{opts.rounds}: {summary['events_per_s']:7.0f} events/s "
                    f"{summary['throughput_rps']:6.0f} req/s  p50 {summary['p50_ms']:.1f} ms  "
                    f"p99 {summary['p99_ms']:.1f} ms  errors {summary['errors']}"
                )
                for sample in result.error_samples:
                    progress(f"  error: {sample}")
        engine = make_engine(url, pool_size=1)
        try:
            with engine.connect() as conn:
                stored = conn.execute(select(func.count()).select_from(TrackingEvent)).scalar_one()
                visitors = conn.execute(select(func.count()).select_from(Visitor)).scalar_one()
        finally:
            engine.dispose()
    events_per_s = median([r["events_per_s"] for r in runs])
    out: dict[str, Any] = {
        "leadwerk": {
            "events_per_s": round(events_per_s, 1),
            "requests_per_s": round(median([r["throughput_rps"] for r in runs]), 1),
            "p50_ms": round(median([r["p50_ms"] for r in runs]), 2),
            "p95_ms": round(median([r["p95_ms"] for r in runs]), 2),
            "p99_ms": round(median([r["p99_ms"] for r in runs]), 2),
            "errors": sum(r["errors"] for r in runs),
            "runs": runs,
        },
        "baseline": base,
        "ratio": round(events_per_s / base["events_per_s"], 3) if base["events_per_s"] else None,
        "rows_after": {"tracking_events": stored, "visitors": visitors},
        "events_sent": sent_events,
        "nothing_lost": stored == sent_events,
    }
    if kind == "postgresql":
        out["target"] = {
            "events_per_s_min": TARGET_EVENTS_PER_S,
            "met": events_per_s >= TARGET_EVENTS_PER_S,
        }
    return out


# --- command line ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="POST /t/events events/s against a bare multi-row INSERT of the same "
        "events, in the same run. JSON on stdout, progress on stderr."
    )
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients")
    p.add_argument("--seconds", type=float, default=10.0, help="length of a measured round")
    p.add_argument("--warmup-seconds", type=float, default=3.0, help="length of the warm-up")
    p.add_argument("--rounds", type=int, default=3, help="measured rounds")
    p.add_argument(
        "--server-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="uvicorn worker processes (default: one per core)",
    )
    p.add_argument("--visitors", type=int, default=5000, help="distinct visitor ids per round")
    p.add_argument(
        "--baseline-events", type=int, default=20_000, help="events the baseline inserts"
    )
    p.add_argument("--writer-threads", type=int, default=1, help="LEADWERK_TRACKING_WRITER_THREADS")
    p.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="where to create the scratch database (env LEADWERK_BENCH_POSTGRES_URL)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="SQLite unless --database is given, one server process, one 2-second round: a "
        "smoke run for the test suite (not figures to quote)",
    )
    args = p.parse_args(argv)
    if args.quick:
        if "--database" not in (argv if argv is not None else sys.argv[1:]):
            args.database = "sqlite"
        args.seconds, args.warmup_seconds, args.rounds = 2.0, 0.5, 1
        args.server_workers, args.clients, args.baseline_events = 1, 16, 5000
    for name in (
        "clients",
        "rounds",
        "server_workers",
        "visitors",
        "baseline_events",
        "writer_threads",
    ):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.seconds <= 0 or args.warmup_seconds <= 0:
        p.error("--seconds and --warmup-seconds must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    opts = Options(
        clients=args.clients,
        seconds=args.seconds,
        warmup_seconds=args.warmup_seconds,
        rounds=args.rounds,
        server_workers=args.server_workers,
        visitors=args.visitors,
        baseline_events=args.baseline_events,
        writer_threads=args.writer_threads,
        postgres_url=args.postgres_url,
    )
    results = run_per_database(
        "tracking",
        "POST /t/events (group-commit writer) vs bare 500-row INSERTs of the same "
        "events, same database, same run",
        argv,
        args.database,
        opts.postgres_url,
        lambda kind: bench_database(kind, opts),
        {
            "clients": opts.clients,
            "seconds_per_round": opts.seconds,
            "warmup_seconds": opts.warmup_seconds,
            "rounds": opts.rounds,
            "server_workers": opts.server_workers,
            "writer_threads_per_process": opts.writer_threads,
            "events_per_request": [1, MAX_EVENTS_PER_REQUEST],
            "visitors_per_round": opts.visitors,
            "identify_fraction": IDENTIFY_FRACTION,
            "cart_fraction": CART_FRACTION,
            "flush": "LEADWERK_TRACKING_FLUSH_SECONDS=0.05, BATCH_SIZE=500 (defaults)",
            "body": "text/plain JSON, as navigator.sendBeacon sends it",
        },
    )
    errors = sum(r["leadwerk"]["errors"] for r in results.values())
    lost = any(not r["nothing_lost"] for r in results.values())
    return 1 if errors or lost else 0


if __name__ == "__main__":
    sys.exit(main())
