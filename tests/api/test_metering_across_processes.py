"""Exactness across real processes: gunicorn with two worker processes, each leasing blocks of the
tenant's quota, must together admit exactly what is left, never one call more.

On the SQLite pass the meter is the database file the suite uses; on the PostgreSQL pass (REDIS_URL
set) it is Redis, as in production. gunicorn keeps real time, so this test does too (`real_clock`).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.extensions import db
from app.models.types import utcnow
from app.services import usage
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL")
CALLS, LEFT = 64, 20


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn_portal(app, database_url, tmp_path):
    """`start()` serves the portal on this test's database with gunicorn, 2 workers x 8 threads."""
    started: list[subprocess.Popen] = []

    def start() -> int:
        port = _free_port()
        env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "across-processes", "PYTHONPATH": str(ROOT),
               "PUBLIC_URL": "http://127.0.0.1", "DATABASE_URL": database_url, "LOG_FORMAT": "text",
               "TENANT_DATABASE_DIR": str(tmp_path / "tenants"), "STORAGE_DIR": str(tmp_path / "storage"),
               "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"), "GUNICORN_LOG_LEVEL": "warning"}
        env.pop("REDIS_URL", None)
        if REDIS_URL:
            env["REDIS_URL"] = REDIS_URL
        log = (tmp_path / "gunicorn.log").open("wb")
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--workers", "2",
             "--threads", "8", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        started.append(server)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return port
            except OSError:
                time.sleep(0.1)  # not listening yet: poll until the deadline
        raise AssertionError("gunicorn did not answer within 60 s")

    yield start
    for server in started:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


@pytest.fixture
def meter(app):
    """The meter the served portal uses: Redis when REDIS_URL is set (our keys removed after)."""
    created: list[str] = []
    if REDIS_URL:
        app.config["REDIS_URL"] = REDIS_URL
        usage.init_app(app)
    yield created
    if REDIS_URL:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for tenant_id in created:
            keys = list(client.scan_iter(match=f"usage:{tenant_id}:*"))
            if keys:
                client.delete(*keys)
        client.close()


def _fire(port: int, path: str, secret: str, calls: int) -> list[int]:
    barrier = threading.Barrier(calls)
    statuses: list[int] = []
    lock = threading.Lock()

    def one_call() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.connect()
        barrier.wait()
        connection.request("GET", path, headers={"Authorization": f"Bearer {secret}"})
        status = connection.getresponse().status
        connection.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one_call) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


@pytest.mark.real_clock
def test_two_gunicorn_workers_admit_exactly_the_calls_left(app, meter, gunicorn_portal):
    tenant = factories.tenant("gateway", plan="free")  # 1,000 calls a month
    tenant_id = tenant.id
    meter.append(tenant_id)
    usage.load_daily_calls(tenant_id, {utcnow().date(): 1_000 - LEFT})
    secret = factories.api_key(tenant, "viewer")
    db.session.remove()
    port = gunicorn_portal()
    statuses = _fire(port, "/api/v1/tenants/current", secret, CALLS)
    assert statuses.count(200) == LEFT, statuses
    assert statuses.count(429) == CALLS - LEFT, statuses
    assert usage.api_calls_this_month(tenant_id) == 1_000
