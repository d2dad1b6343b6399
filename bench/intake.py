"""Benchmark: `POST /api/v1/leads` against a bare one-INSERT baseline, served the same way.

What it does, per database (SQLite file and/or a fresh PostgreSQL database):

1. creates a scratch database, migrates it, creates an API key, registers one active webhook
   endpoint for `lead.*` (so every intake also writes its outbox row; no worker runs, the rows
   just accumulate) and creates the baseline's `bench_leads` table;
2. in each round serves the baseline (`baseline_app.py`) and Leadwerk (`create_app(Settings(
   ...))`, no embedded worker), one at a time, in alternating order, with the same uvicorn
   options, number of worker processes, database and connection pool;
3. drives each from this process with the same payloads (asyncio + httpx, 32 concurrent
   keep-alive clients by default): a warm-up, then the measured requests as fast as the app
   answers; after the rounds, both once more paced at the same offered rate;
4. prints one JSON object on stdout: throughput and latency of both apps (medians over the
   rounds), the paced latencies, errors (any non-2xx), and ratio = Leadwerk throughput /
   baseline throughput. Progress goes to stderr. docs/benchmarks.md explains the figures.

    .venv/bin/python bench/intake.py --database both          # the documented figures
    .venv/bin/python bench/intake.py --quick                  # SQLite, a smoke run (~15 s)

Benchmarks are not tests: the targets are reported in the JSON (`target`), never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import secrets
import sys
import time
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from _common import (
    DEFAULT_POSTGRES_URL,
    median,
    percentile,
    progress,
    run_per_database,
    scratch_database,
    serve,
)
from baseline_app import DATABASE_URL_ENV, bench_leads
from leadwerk import schema
from leadwerk.auth import service as auth
from leadwerk.delivery.models import WebhookEndpoint
from leadwerk.storage.engine import MAX_OVERFLOW, POOL_SIZE, Database, make_engine

LEADS_PATH = "/api/v1/leads"
BASELINE_PATH = "/bench/leads"
TARGET_RATIO = 0.6
TARGET_P99_MS = 50.0
REPEAT_FRACTION = 0.10
PHONE_FRACTION = 0.5

FIRST_NAMES = ("Anna", "Jonas", "Lea", "Lukas", "Mia", "Finn", "Emma", "Paul", "Sophie", "Elias")
LAST_NAMES = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker")
COMPANIES = ("Müller Maschinenbau GmbH", "Acme AG", "Nordlicht Software GmbH", "Alpen Logistik AG")
DOMAINS = ("example.de", "example.com", "beispiel.at", "muster.ch", "gmail.com", "web.de")
COUNTRIES = ("DE", "Deutschland", "AT", "Switzerland", "CH", "Germany")
PHONES = ("030 1234567", "+49 89 123456", "+43 1 5320000", "+41 44 668 18 00")
UTMS = (
    ("google", "cpc", "spring-webinar"),
    ("linkedin", "paid_social", "cfo-guide"),
    ("newsletter", "email", "2026-03"),
    (None, None, None),
)
JOB_TITLES = ("CTO", "Head of Marketing", "Einkauf", "CEO", "IT-Leiter")


# --- the app under test, as uvicorn's factory ------------------------------------------------


def create_leadwerk_app() -> FastAPI:
    """`intake:create_leadwerk_app`: what `leadwerk serve --no-worker` serves, from LEADWERK_*."""
    from leadwerk.app import create_app
    from leadwerk.observability import configure_logging
    from leadwerk.settings import Settings

    settings = Settings()
    configure_logging(settings.log_level, settings.log_format.value)
    return create_app(settings, embedded_worker=False)


# --- payloads --------------------------------------------------------------------------------


def _payload(rng: random.Random, email: str, *, repeat: bool) -> dict[str, Any]:
    source, medium, campaign = rng.choice(UTMS)
    body: dict[str, Any] = {
        "email": email,
        "first_name": rng.choice(FIRST_NAMES),
        "last_name": rng.choice(LAST_NAMES),
        "company": rng.choice(COMPANIES),
        "country": rng.choice(COUNTRIES),
        "utm_source": source,
        "utm_medium": medium,
        "utm_campaign": campaign,
    }
    if rng.random() < PHONE_FRACTION:
        body["phone"] = rng.choice(PHONES)
    if repeat:
        body["job_title"] = rng.choice(JOB_TITLES)
    return {k: v for k, v in body.items() if v is not None}


def payloads(label: str, seed: int, repeat_pool: list[str]) -> Iterator[bytes]:
    """Endless, deterministic JSON bodies: new emails (unique per `label`), plus a share of
    emails from `repeat_pool` (leads that exist already: Leadwerk's update path)."""
    rng = random.Random(seed)
    i = 0
    while True:
        i += 1
        repeat = bool(repeat_pool) and rng.random() < REPEAT_FRACTION
        if repeat:
            email = rng.choice(repeat_pool)
        else:
            email = f"{label}.{i}.{rng.randrange(10**6)}@{rng.choice(DOMAINS)}"
        yield json.dumps(_payload(rng, email, repeat=repeat)).encode()


def warmup_emails(label: str, count: int) -> list[str]:
    return [f"{label}.{i}@example.org" for i in range(count)]


def warmup_payloads(emails: list[str], seed: int) -> Iterator[bytes]:
    rng = random.Random(seed)
    for email in emails:
        yield json.dumps(_payload(rng, email, repeat=False)).encode()


# --- load ------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    seconds: float = 0.0
    loadgen_cpu_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if not s.startswith("2"))

    def summary(self) -> dict[str, Any]:
        lat = sorted(self.latencies_ms)
        done = len(lat)
        return {
            "requests": done,
            "seconds": round(self.seconds, 3),
            "throughput_rps": round(done / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(lat, 50), 2),
            "p95_ms": round(percentile(lat, 95), 2),
            "p99_ms": round(percentile(lat, 99), 2),
            "max_ms": round(lat[-1], 2) if lat else None,
            "errors": self.errors,
            "statuses": dict(sorted(self.statuses.items())),
            # Near 100 means the load generator, not the server, limited the throughput.
            "loadgen_cpu_percent": round(100 * self.loadgen_cpu_seconds / self.seconds, 1)
            if self.seconds
            else None,
        }


async def drive(
    url: str,
    bodies: Iterator[bytes],
    clients: list[httpx.AsyncClient],
    *,
    max_requests: int | None,
    seconds: float | None,
    rate: float | None = None,
) -> LoadResult:
    """Each client sends one request at a time, until `max_requests` were sent or `seconds`
    passed (whichever comes first).

    With `rate`, request number i is due at i / rate seconds after the start and no client
    sends it earlier; its latency counts from when it was due, so an app that falls behind
    is charged for the wait too (no coordinated omission).

    The garbage collector is off while it runs: a full collection in this process once
    paused it for ~200 ms, and with `rate` that pause was charged to the server.
    """
    result = LoadResult()
    sent = 0
    gc.collect()
    gc.freeze()
    gc.disable()
    cpu_started = time.process_time()
    started = time.perf_counter()
    deadline = started + seconds if seconds else None

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent
        while True:
            if max_requests is not None and sent >= max_requests:
                return
            if deadline is not None and time.perf_counter() >= deadline:
                return
            body = next(bodies)
            sent += 1
            t0 = time.perf_counter()
            if rate is not None:
                due = started + (sent - 1) / rate
                if due > t0:
                    await asyncio.sleep(due - t0)
                t0 = due
            try:
                response = await client.post(url, content=body)
                status = str(response.status_code)
                if response.status_code >= 300 and len(result.error_samples) < 5:
                    result.error_samples.append(f"{status}: {response.text[:300]}")
            except httpx.HTTPError as exc:
                status = type(exc).__name__
                if len(result.error_samples) < 5:
                    result.error_samples.append(f"{status}: {exc!r}")
            result.latencies_ms.append((time.perf_counter() - t0) * 1000.0)
            result.statuses[status] += 1

    try:
        await asyncio.gather(*(worker(c) for c in clients))
        result.seconds = time.perf_counter() - started
        result.loadgen_cpu_seconds = time.process_time() - cpu_started
    finally:
        gc.enable()
        gc.unfreeze()
    return result


def open_clients(count: int, headers: dict[str, str]) -> list[httpx.AsyncClient]:
    """One `httpx.AsyncClient` with one keep-alive connection per simulated client, rather than
    one shared pool of `count` connections: httpcore's shared pool does work proportional to
    its size on every request, which at 32 connections made the load generator, not the
    server, the bottleneck (measured: 2.8 ms of client CPU per request shared, 0.75 separate).
    """
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    timeout = httpx.Timeout(30.0)
    return [
        httpx.AsyncClient(limits=limits, timeout=timeout, headers=headers) for _ in range(count)
    ]


async def warm_then_measure(
    endpoint: str, opts: Options, headers: dict[str, str], runs: list[Run]
) -> list[LoadResult]:
    """For each run: warm up with new leads (whose addresses the run then repeats), then
    measure; the same keep-alive connections throughout."""
    clients = open_clients(opts.clients, headers)
    results = []
    try:
        for run in runs:
            pool = warmup_emails(f"{run.label}w", opts.warmup)
            warm = await drive(
                endpoint,
                warmup_payloads(pool, seed=1000 + run.seed),
                clients,
                max_requests=len(pool),
                seconds=None,
            )
            if warm.errors:
                raise RuntimeError(f"{endpoint} failed during the warm-up: {warm.error_samples}")
            results.append(
                await drive(
                    endpoint,
                    payloads(run.label, seed=run.seed, repeat_pool=pool),
                    clients,
                    max_requests=run.max_requests,
                    seconds=run.seconds,
                    rate=run.rate,
                )
            )
    finally:
        for client in clients:
            await client.aclose()
    return results


def run_load(coro: Coroutine[Any, Any, list[LoadResult]]) -> list[LoadResult]:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


# --- one database ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    clients: int
    requests: int | None
    seconds: float | None
    warmup: int
    rounds: int
    server_workers: int
    postgres_url: str
    paced_rate: float | None
    paced_fraction: float
    paced_seconds: float


def prepare(url: str) -> str:
    """Migrate, create the API key, the webhook endpoint and `bench_leads`; the key's secret."""
    engine = make_engine(url, pool_size=2)
    try:
        schema.upgrade(engine)
        bench_leads.metadata.create_all(engine)
        db = Database.from_engine(engine)
        with db.transaction() as session:
            key = auth.create_api_key(
                session, name="bench", scopes=["leads:write", "leads:read"], actor="bench"
            )
            session.add(
                WebhookEndpoint(
                    url="http://127.0.0.1:9/bench-hook",
                    description="bench: never delivered (no worker runs)",
                    event_types=["lead.*"],
                    secret=secrets.token_hex(32),
                    is_active=True,
                    created_by="bench",
                )
            )
        return key.secret
    finally:
        engine.dispose()


def table_counts(url: str) -> dict[str, int]:
    from sqlalchemy import text

    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return {
                t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())
                for t in ("leads", "touchpoints", "audit_log", "outbox", "bench_leads")
            }
    finally:
        engine.dispose()


def app_specs(url: str) -> dict[str, tuple[str, str, dict[str, str]]]:
    """name → (uvicorn factory, path, environment): how each app is served."""
    return {
        "baseline": ("baseline_app:create_app", BASELINE_PATH, {DATABASE_URL_ENV: url}),
        "leadwerk": (
            "intake:create_leadwerk_app",
            LEADS_PATH,
            {
                "LEADWERK_DATABASE_URL": url,
                "LEADWERK_SECRET_KEY": secrets.token_urlsafe(48),
                "LEADWERK_ENVIRONMENT": "production",
                "LEADWERK_LOG_LEVEL": "WARNING",
                "LEADWERK_LOG_FORMAT": "json",
            },
        ),
    }


@dataclass(frozen=True)
class Run:
    """One measurement: a fixed number of requests, a duration, optionally paced."""

    label: str
    seed: int
    max_requests: int | None
    seconds: float | None
    rate: float | None = None


def measure(
    app: str,
    spec: tuple[str, str, dict[str, str]],
    opts: Options,
    headers: dict[str, str],
    runs: list[Run],
) -> list[LoadResult]:
    """Serve `app` alone and measure it."""
    factory, path, env = spec
    with serve(app, factory, env=env, workers=opts.server_workers) as server:
        return run_load(warm_then_measure(server.base_url + path, opts, headers, runs))


def bench_database(kind: str, opts: Options) -> dict[str, Any]:
    with scratch_database(kind, opts.postgres_url) as url:
        progress(f"{kind}: preparing the scratch database")
        secret = prepare(url)
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
        specs = app_specs(url)
        runs: list[tuple[str, dict[str, Any]]] = []
        paced: dict[str, Any] = {"seconds": opts.paced_seconds}

        def paced_run(rate: float) -> Run:
            paced["rate_rps"] = rate
            return Run("paced", 99, max(1, int(rate * opts.paced_seconds)), None, rate)

        for rnd in range(opts.rounds):
            # Alternate which app goes first, so slow drift of the machine hits both alike.
            order = ("baseline", "leadwerk") if rnd % 2 == 0 else ("leadwerk", "baseline")
            for app in order:
                todo = [Run(f"r{rnd}", rnd, opts.requests, opts.seconds)]
                if opts.paced_rate and rnd == opts.rounds - 1:
                    todo.append(paced_run(opts.paced_rate))  # a given rate: no extra servers
                results = measure(app, specs[app], opts, headers, todo)
                runs.append((app, {"round": rnd + 1, **results[0].summary()}))
                report(f"{kind} round {rnd + 1}/{opts.rounds} {app}", results[0])
                if len(results) > 1:
                    paced[app] = results[1].summary()
                    report(f"{kind} paced at {opts.paced_rate} req/s {app}", results[1])
        if not opts.paced_rate:
            ours = median([r["throughput_rps"] for a, r in runs if a == "leadwerk"])
            rate = round(max(1.0, ours * opts.paced_fraction), 1)
            for app in ("baseline", "leadwerk"):
                [result] = measure(app, specs[app], opts, headers, [paced_run(rate)])
                paced[app] = result.summary()
                report(f"{kind} paced at {rate} req/s {app}", result)
        counts = table_counts(url)
    return {**summarise(kind, runs, paced), "rows_after": counts}


def report(title: str, result: LoadResult) -> None:
    s = result.summary()
    progress(
        f"{title}: {s['throughput_rps']:7.1f} req/s  p50 {s['p50_ms']:7.2f} ms  "
        f"p99 {s['p99_ms']:7.2f} ms  errors {s['errors']}  "
        f"load generator CPU {s['loadgen_cpu_percent']}%"
    )
    for sample in result.error_samples:
        progress(f"  error: {sample}")


def summarise(
    kind: str, runs: list[tuple[str, dict[str, Any]]], paced: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for app in ("baseline", "leadwerk"):
        per_run = [r for a, r in runs if a == app]
        out[app] = {
            "throughput_rps": round(median([r["throughput_rps"] for r in per_run]), 1),
            "p50_ms": round(median([r["p50_ms"] for r in per_run]), 2),
            "p95_ms": round(median([r["p95_ms"] for r in per_run]), 2),
            "p99_ms": round(median([r["p99_ms"] for r in per_run]), 2),
            "max_ms": max(r["max_ms"] or 0.0 for r in per_run),
            "requests": sum(r["requests"] for r in per_run),
            "errors": sum(r["errors"] for r in per_run),
            "statuses": dict(
                sorted(sum((Counter(r["statuses"]) for r in per_run), Counter()).items())
            ),
            "runs": per_run,
        }
    base = out["baseline"]["throughput_rps"]
    out["ratio"] = round(out["leadwerk"]["throughput_rps"] / base, 3) if base else None
    out["paced"] = paced
    if kind == "postgresql":
        saturated_p99 = out["leadwerk"]["p99_ms"]
        paced_p99 = paced["leadwerk"]["p99_ms"]
        out["target"] = {
            "ratio_min": TARGET_RATIO,
            "ratio_met": out["ratio"] is not None and out["ratio"] >= TARGET_RATIO,
            "p99_ms_max": TARGET_P99_MS,
            "p99_met_saturated": saturated_p99 <= TARGET_P99_MS,
            "p99_met_paced": paced_p99 <= TARGET_P99_MS,
        }
    return out


# --- command line ----------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description="POST /api/v1/leads throughput and latency against a bare one-INSERT "
        "baseline served the same way, in the same run. JSON on stdout, progress on stderr."
    )
    p.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--clients", type=int, default=32, help="concurrent keep-alive clients")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--requests", type=int, help="measured requests per run (default 2000)")
    size.add_argument("--seconds", type=float, help="measured seconds per run instead")
    p.add_argument("--warmup", type=int, default=300, help="warm-up requests per run")
    p.add_argument("--rounds", type=int, default=3, help="rounds of (baseline, leadwerk) runs")
    p.add_argument(
        "--server-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="uvicorn worker processes per app, the same for both (default: one per core)",
    )
    p.add_argument(
        "--paced-rate",
        type=float,
        help="offered load of the paced runs in req/s (default: --paced-fraction of "
        "Leadwerk's median saturated throughput)",
    )
    p.add_argument("--paced-fraction", type=float, default=0.5, help="see --paced-rate")
    p.add_argument("--paced-seconds", type=float, default=10.0, help="length of a paced run")
    p.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="where to create the scratch database (env LEADWERK_BENCH_POSTGRES_URL)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="SQLite only, one server process, one round of 200 requests and a short run "
        "paced at 50 req/s: a smoke run for the test suite (not figures to quote)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.database, args.requests, args.seconds = "sqlite", 200, None
        args.warmup, args.rounds, args.paced_seconds = min(args.warmup, 50), 1, 2.0
        args.server_workers, args.paced_rate = 1, args.paced_rate or 50.0
    elif args.requests is None and args.seconds is None:
        args.requests = 2000
    for name in ("clients", "warmup", "rounds", "server_workers", "paced_seconds"):
        if getattr(args, name) < (0 if name == "warmup" else 1):
            p.error(f"--{name.replace('_', '-')} is too small")
    if not 0 < args.paced_fraction <= 1 or (args.paced_rate is not None and args.paced_rate <= 0):
        p.error("--paced-fraction must be in (0, 1] and --paced-rate positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    opts = Options(
        clients=args.clients,
        requests=args.requests,
        seconds=args.seconds,
        warmup=args.warmup,
        rounds=args.rounds,
        server_workers=args.server_workers,
        postgres_url=args.postgres_url,
        paced_rate=args.paced_rate,
        paced_fraction=args.paced_fraction,
        paced_seconds=args.paced_seconds,
    )
    results = run_per_database(
        "intake",
        "POST /api/v1/leads vs a bare one-INSERT endpoint, same server, same database",
        argv,
        args.database,
        opts.postgres_url,
        lambda kind: bench_database(kind, opts),
        {
            "clients": opts.clients,
            "requests_per_run": opts.requests,
            "seconds_per_run": opts.seconds,
            "warmup_requests_per_run": opts.warmup,
            "rounds": opts.rounds,
            "order": "baseline first in rounds 1, 3, ..., Leadwerk first in rounds 2, 4, ...",
            "server": "uvicorn, --no-access-log, --log-level warning, one app at a time",
            "server_workers": opts.server_workers,
            "pool_size": POOL_SIZE,
            "max_overflow": MAX_OVERFLOW,
            "paced": "after the rounds, both apps once more at the same offered rate "
            "(see results.*.paced), latency counted from when each request was due",
            "payload_mix": {
                "new_email": 1 - REPEAT_FRACTION,
                "repeated_email": REPEAT_FRACTION,
                "repeated_from": "the run's warm-up leads (Leadwerk updates them: 200)",
                "with_phone": PHONE_FRACTION,
            },
            "webhook_endpoints": 1,
            "outbox_worker_running": False,
        },
    )
    errors = sum(
        r[a]["errors"] + r["paced"][a]["errors"]
        for r in results.values()
        for a in ("baseline", "leadwerk")
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
