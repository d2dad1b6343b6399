"""Helpers the benchmarks share: scratch databases, server processes, latency statistics.

Every server a benchmark starts runs in its own process group and is stopped in a `finally`,
also when the benchmark fails halfway; every scratch database is dropped the same way.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import math
import os
import platform
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

from leadwerk.storage.engine import normalise_url

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_POSTGRES_URL = os.environ.get("LEADWERK_BENCH_POSTGRES_URL", "postgresql:///test")
LOOPBACK = "127.0.0.1"
_PR_SET_PDEATHSIG = 1


def progress(message: str) -> None:
    """Human-readable progress goes to stderr; stdout carries the JSON result only."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def emit(result: Mapping[str, Any]) -> None:
    json.dump(result, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def run_per_database(
    name: str,
    what: str,
    argv: Sequence[str] | None,
    database: str,
    postgres_url: str,
    bench: Callable[[str], dict[str, Any]],
    settings: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """Run `bench` on each database chosen (`both`: SQLite, then PostgreSQL) and emit the one
    JSON object every benchmark prints; the results by database, for the exit code.

    A SIGTERM still runs the `finally` blocks that stop servers and drop databases."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    kinds = ["sqlite", "postgresql"] if database == "both" else [database]
    started = time.perf_counter()
    results = {kind: bench(kind) for kind in kinds}
    info = machine()
    if "postgresql" in kinds:
        info["postgresql"] = postgres_version(postgres_url)
    script = f"bench/{name}.py"
    emit(
        {
            "benchmark": name,
            "what": what,
            "command": shlex.join(["python", script, *(sys.argv[1:] if argv is None else argv)]),
            "machine": info,
            "settings": dict(settings),
            "results": results,
            "seconds_total": round(time.perf_counter() - started, 1),
        }
    )
    return results


# --- scratch databases -----------------------------------------------------------------------


@contextlib.contextmanager
def scratch_database(kind: str, postgres_url: str = DEFAULT_POSTGRES_URL) -> Iterator[str]:
    """An empty database of this run's own: a SQLite file in a temporary folder, or a fresh
    PostgreSQL database created next to `postgres_url`. Removed when the block ends."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="leadwerk-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    admin = create_engine(normalise_url(postgres_url), isolation_level="AUTOCOMMIT")
    name = f"leadwerk_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield normalise_url(postgres_url).rsplit("/", 1)[0] + "/" + name
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_version(postgres_url: str = DEFAULT_POSTGRES_URL) -> str | None:
    engine = create_engine(normalise_url(postgres_url))
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar_one())
    except Exception:
        return None
    finally:
        engine.dispose()


def machine() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(terse=True),
        "load_average_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


# --- server processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """A uvicorn process group serving one app factory on the loopback interface."""

    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def uvicorn_command(factory: str, port: int, workers: int) -> list[str]:
    """The one way both apps of a benchmark are served: same uvicorn, same options."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        factory,
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        "--host",
        LOOPBACK,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
        "--no-server-header",
    ]


@contextlib.contextmanager
def serve(
    name: str,
    factory: str,
    *,
    env: Mapping[str, str],
    workers: int,
    ready_path: str = "/healthz",
    start_timeout: float = 60.0,
) -> Iterator[Server]:
    """Start `factory` under uvicorn, wait until it answers, stop the whole group afterwards."""
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False) as f:
        log_path = Path(f.name)
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        uvicorn_command(factory, port, workers),
        env={**os.environ, **env},
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stop() reaches uvicorn's workers too
        preexec_fn=_die_with_parent,
    )
    server = Server(name, f"http://{LOOPBACK}:{port}", process, log_path)
    try:
        _wait_ready(server, ready_path, start_timeout)
        yield server
    finally:
        _stop(process)
        log_file.close()
        with contextlib.suppress(OSError):
            log_path.unlink()


def _die_with_parent() -> None:
    """Runs in the child before exec: on Linux, ask for SIGTERM when the benchmark process dies,
    so a benchmark killed from outside (a test timeout) leaves no server behind."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} server exited with {server.process.returncode}:\n"
                    + server.log_tail()
                )
            with contextlib.suppress(httpx.HTTPError):
                if client.get(server.base_url + path).status_code == 200:
                    return
            time.sleep(0.1)
    raise RuntimeError(
        f"{server.name} server did not answer within {timeout} s:\n{server.log_tail()}"
    )


def _stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


# --- statistics ------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100.0 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return math.nan
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2.0
