"""Throughput of a metered API call, as a ratio against a bare Flask app served the same way.

    .venv/bin/python benchmarks/api_throughput.py                      # SQLite, then PostgreSQL + Redis
    .venv/bin/python benchmarks/api_throughput.py --backend sqlite     # only the `make run` default
    .venv/bin/python benchmarks/api_throughput.py --backend postgresql \\
        --postgres-url postgresql://postgres@127.0.0.1:5432/postgres --redis-url redis://127.0.0.1:6379/7

For each backend it builds a throwaway database (migrated with the project's migrations), creates an
active tenant with a large API-call quota and a tenant-bound API key, and starts two gunicorn servers
with identical settings: the portal (`wsgi:app`) and `benchmarks/bare_flask.py`. `wrk` (Debian: `apt-get
install wrk`) then hammers `GET /api/v1/tenants/current` with the key on each, alternating portal, bare,
portal, bare ... for --rounds rounds, so both see the same background load. It prints requests/second per
round, each round's ratio portal/bare, and last the median ratio per backend. Every portal response must be
a 200: a refusal (429, 401) would measure the wrong thing, so the run fails if wrk saw any other status.

Only ratios within one run mean anything; absolute numbers depend on the machine and its load (the
1-minute load average is printed at the start and end).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH = "/api/v1/tenants/current"
# Far more calls than any run makes, but a finite limit: the quota check runs as for any paying tenant.
BENCH_QUOTA = 500_000_000


@dataclass(frozen=True)
class Settings:
    rounds: int
    duration: int
    wrk_threads: int
    connections: int
    workers: int
    worker_threads: int


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p99_ms: float
    non_2xx: int


# --- the data a run needs ---------------------------------------------------------------------

def prepare_database() -> None:
    """`--prepare` (run in a subprocess with the backend's environment): migrate, create the tenant and
    its key, and print the key's secret on stdout."""
    from flask_migrate import upgrade

    from app import create_app
    from app.services import api_keys, quotas, tenants
    from app.services.audit import Actor
    from app.services.authority import Authority

    app = create_app("production")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        actor = Actor.cli()
        tenant = tenants.create_tenant("Bench Company", "bench-company", "owner@bench.example", "pro", actor,
                                       status="active")
        quotas.set_custom_limits(tenant, {"api_calls": BENCH_QUOTA}, actor)
        _key, secret = api_keys.create_key(tenant, "bench", "viewer", Authority.cli())
    print(secret)


@contextlib.contextmanager
def backend_environment(backend: str, opts: argparse.Namespace) -> Iterator[dict[str, str]]:
    """The environment both servers run with: a fresh database (and Redis for PostgreSQL), removed after."""
    workdir = Path(tempfile.mkdtemp(prefix="api-bench-"))
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "bench-secret-" + uuid.uuid4().hex,
           "PUBLIC_URL": "http://127.0.0.1", "TENANT_DATABASE_DIR": str(workdir / "tenants"),
           "STORAGE_DIR": str(workdir / "storage"), "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
           "PYTHONPATH": str(ROOT)}
    env.pop("REDIS_URL", None)
    env.pop("DATABASE_URL", None)
    database_name = None
    try:
        if backend == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{workdir / 'portal.db'}"
        else:
            import psycopg

            database_name = f"api_bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(opts.postgres_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{database_name}"')
            base, _, _ = opts.postgres_url.rpartition("/")
            env["DATABASE_URL"] = f"{base}/{database_name}"
            env["REDIS_URL"] = opts.redis_url
        yield env
    finally:
        if database_name:
            import psycopg

            with psycopg.connect(opts.postgres_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database_name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


# --- servers and load ---------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], settings: Settings, secret: str) -> Iterator[str]:
    """`app_spec` under gunicorn (the project's gunicorn.conf.py when there is one, then these settings)."""
    port = _free_port()
    command = [str(Path(sys.executable).parent / "gunicorn")]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["--config", str(ROOT / "gunicorn.conf.py")]
    command += ["--workers", str(settings.workers), "--worker-class", "gthread", "--threads",
                str(settings.worker_threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                app_spec]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(port, secret, server, log)
            yield f"http://127.0.0.1:{port}{PATH}"
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_serving(port: int, secret: str, server: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            log.seek(0)
            raise SystemExit(f"gunicorn exited:\n{log.read().decode(errors='replace')}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", PATH, headers={"Authorization": f"Bearer {secret}"})
            response = connection.getresponse()
            if response.status != 200:
                raise SystemExit(f"{PATH} answered {response.status}: {response.read()[:500]!r}")
            return
        except OSError:
            time.sleep(0.1)  # not listening yet: poll again until the deadline
        finally:
            connection.close()
    raise SystemExit(f"port {port} did not answer within 60 s")


def wrk(url: str, secret: str, settings: Settings, duration: int) -> WrkResult:
    output = subprocess.run(
        ["wrk", "-t", str(settings.wrk_threads), "-c", str(settings.connections), "-d", f"{duration}s",
         "--latency", "-H", f"Authorization: Bearer {secret}", url],
        check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: .*", output)
    if errors:
        print(f"    wrk: {errors.group(0)}")
    return WrkResult(rps, _p99_ms(output), int(non_2xx.group(1)) if non_2xx else 0)


def _p99_ms(output: str) -> float:
    match = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", output)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_backend(backend: str, opts: argparse.Namespace, settings: Settings) -> list[float]:
    """The alternating rounds on one backend; returns the per-round ratios portal/bare."""
    label = "SQLite" if backend == "sqlite" else "PostgreSQL + Redis"
    print(f"== {label}", flush=True)
    with backend_environment(backend, opts) as env:
        secret = subprocess.run([sys.executable, __file__, "--prepare"], cwd=ROOT, env=env, check=True,
                                capture_output=True, text=True).stdout.strip().splitlines()[-1]
        with gunicorn("wsgi:app", env, settings, secret) as portal, \
                gunicorn("benchmarks.bare_flask:app", env, settings, secret) as bare:
            for url in (portal, bare):  # warm both: imports, pools, caches
                wrk(url, secret, settings, 2)
            ratios = []
            for round_number in range(1, settings.rounds + 1):
                a = wrk(portal, secret, settings, settings.duration)
                b = wrk(bare, secret, settings, settings.duration)
                if a.non_2xx or b.non_2xx:
                    raise SystemExit(f"round {round_number}: {a.non_2xx} portal and {b.non_2xx} bare responses "
                                     "were not 2xx; the measurement would be wrong")
                ratios.append(a.requests_per_second / b.requests_per_second)
                print(f"  round {round_number}: portal {a.requests_per_second:8.0f} req/s (p99 {a.p99_ms:6.1f} ms)"
                      f"   bare {b.requests_per_second:8.0f} req/s (p99 {b.p99_ms:6.1f} ms)"
                      f"   ratio {ratios[-1]:.3f}", flush=True)
    print(f"  {label}: median ratio {statistics.median(ratios):.3f}", flush=True)
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL",
                                                                 "postgresql://postgres@127.0.0.1:5432/postgres"),
                        help="a server where the script may create and drop a database")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
                        help="the Redis database the PostgreSQL run meters in (default: $REDIS_URL)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    opts = parser.parse_args()
    if opts.prepare:
        prepare_database()
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    settings = Settings(opts.rounds, opts.duration, opts.wrk_threads, opts.connections, opts.workers, opts.threads)
    print(f"gunicorn {settings.workers} workers x {settings.worker_threads} threads (gthread); wrk "
          f"{settings.wrk_threads} threads, {settings.connections} connections, {settings.duration} s; "
          f"{settings.rounds} rounds; load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs", flush=True)
    backends = ("sqlite", "postgresql") if opts.backend == "both" else (opts.backend,)
    medians = {backend: statistics.median(run_backend(backend, opts, settings)) for backend in backends}
    print(f"load average at the end {os.getloadavg()[0]:.2f}")
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL + Redis"}
    print("median ratio portal/bare: " + ", ".join(f"{names[b]} {m:.3f}" for b, m in medians.items()))


if __name__ == "__main__":
    main()
