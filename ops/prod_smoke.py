"""`make prod-smoke`: the production runtime, for real, in under three minutes.

gunicorn (2 workers) and a Celery worker (with beat) against PostgreSQL, Redis and an S3 server
(moto), mail to a real SMTP sink; then a scripted journey over HTTP: sign up, invite, accept from
the emailed link, upload and search a document, spend the API quota. It passes only if work
crossed processes: the invitation email must have been sent by the worker process (its pid is
on the outbox row), the document must be an object in the bucket, the quota must hold across
both web workers, and /metrics must add up the workers' counters.

Needs PostgreSQL (SMOKE_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres: a
database of its own is created and dropped) and Redis (SMOKE_REDIS_URL, default REDIS_URL, else
redis://127.0.0.1:6379/15). Everything listens on 127.0.0.1, on free ports.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.mailbox import first_link, start_smtp_server  # noqa: E402
from tests.s3server import CREDENTIALS, start_s3_server  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "smoke-password-123"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
STARTED = time.monotonic()


def step(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, what: str, timeout: float = 60.0, logs: list[Path] = ()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except (requests.ConnectionError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.2)
    for log in logs:
        print(f"----- {log.name} -----\n{log.read_text(errors='replace')[-6000:]}", file=sys.stderr)
    raise SystemExit(f"FAILED: {what} within {timeout:.0f}s")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAILED: {message}")


def csrf(session: requests.Session, url: str) -> str:
    match = CSRF_RE.search(session.get(url).text)
    check(match is not None, f"no CSRF token on {url}")
    return match.group(1)


def post_form(session: requests.Session, base: str, path: str, data: dict, token_from: str | None = None,
              **kwargs) -> requests.Response:
    token = csrf(session, base + (token_from or path))
    return session.post(base + path, data={"csrf_token": token, **data}, **kwargs)


class Processes:
    """Child processes started here, stopped (SIGTERM, then SIGKILL) at the end."""

    def __init__(self, workdir: Path) -> None:
        self.workdir, self.children = workdir, []

    def start(self, name: str, command: list[str], env: dict) -> tuple[subprocess.Popen, Path]:
        log = self.workdir / f"{name}.log"
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.children.append(process)
        return process, log

    def stop(self) -> None:
        for process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.children):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def signed_in_platform_admin(base: str) -> requests.Session:
    """The platform admin, signed in with a second factor (production asks platform admins for one)."""
    import pyotp

    admin = requests.Session()
    post_form(admin, base, "/login", {"email": "ops@smoke.test", "password": PASSWORD})
    page = post_form(admin, base, "/account/two-factor/setup", {}, token_from="/account/two-factor")
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.text)
    check(secret is not None, f"no two-factor secret on the set-up page ({page.status_code})")
    confirmed = post_form(admin, base, "/account/two-factor/confirm", {"code": pyotp.TOTP(secret.group(1)).now()},
                          token_from="/account/two-factor")
    check(confirmed.status_code == 200, f"two-factor confirmation answered {confirmed.status_code}")
    return admin


def run(command: list[str], env: dict) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise SystemExit(f"FAILED: {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def main() -> None:
    server_url = make_url(os.environ.get("SMOKE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    redis_url = os.environ.get("SMOKE_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    database = f"tenantry_smoke_{uuid.uuid4().hex[:8]}"
    queue = f"tenantry-smoke-{uuid.uuid4().hex[:8]}"
    admin_engine = create_engine(server_url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with ExitStack() as cleanup, tempfile.TemporaryDirectory(prefix="tenantry-smoke-") as tmp:
        workdir = Path(tmp)
        with admin_engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        cleanup.callback(admin_engine.dispose)
        cleanup.callback(lambda: admin_engine.connect().execute(
            text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')))
        database_url = server_url.set(drivername="postgresql+psycopg", database=database) \
            .render_as_string(hide_password=False)

        smtp, mailbox = start_smtp_server()
        cleanup.callback(smtp.stop)
        s3 = start_s3_server()
        cleanup.callback(s3.stop)
        bucket = s3.new_bucket()

        import redis

        broker = redis.Redis.from_url(redis_url)
        cleanup.callback(lambda: broker.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        metrics_token = uuid.uuid4().hex
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TEST_", "REDIS_", "CELERY_", "JOBS_", "MAIL_", "DATABASE_", "STORAGE_", "S3_"))}
        env.update(CREDENTIALS)
        env.update(APP_ENV="production", SECRET_KEY=uuid.uuid4().hex, DATABASE_URL=database_url, REDIS_URL=redis_url,
                   CELERY_BROKER_URL=redis_url, JOBS_QUEUE=queue, PUBLIC_URL=base, SESSION_COOKIE_SECURE="false",
                   MAIL_SERVER=mailbox.host, MAIL_PORT=str(mailbox.port), STORAGE_URL=f"s3://{bucket}/files",
                   S3_ENDPOINT_URL=s3.endpoint_url, METRICS_TOKEN=metrics_token, WEB_CONCURRENCY="2",
                   GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_THREADS="4", RATELIMIT_ENABLED="false",
                   PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"), LOG_FORMAT="json")
        (workdir / "metrics").mkdir()

        step("migrate the control plane, create the platform admin")
        run([str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"], env)
        run([str(BIN / "flask"), "--app", "wsgi", "create-admin", "ops@smoke.test", "--password", PASSWORD], env)

        processes = Processes(workdir)
        cleanup.callback(processes.stop)
        step("start gunicorn (2 workers) and a Celery worker with beat")
        web, web_log = processes.start("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], env)
        worker, worker_log = processes.start("worker", [
            str(BIN / "celery"), "-A", "app.jobs.worker", "worker", "--beat", "--pool=solo", "--loglevel=INFO",
            "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle",
            "--schedule", str(workdir / "beat-schedule")], env)
        logs = [web_log, worker_log]
        ready = wait_until(lambda: (r := requests.get(f"{base}/readyz", timeout=5)).status_code == 200 and r.json(),
                           "/readyz says ready", logs=logs)
        check(set(ready["checks"]) == {"database", "redis", "broker", "storage"}, f"readyz checks: {ready}")
        timings = ", ".join(f"{name} {check_['ms']} ms" for name, check_ in ready["checks"].items())
        step(f"ready: {timings}")

        owner = requests.Session()
        step("sign up")
        response = post_form(owner, base, "/signup", {"name": "Olga Owner", "email": "olga@smoke.test",
                                                      "password": PASSWORD, "organisation": "Smoke Co",
                                                      "slug": "smoke-co"})
        check(response.status_code == 200 and "Check your email" in response.text, "signup did not ask to check email")
        step("confirm the address from the emailed link, then sign in")
        link = first_link(mailbox.wait_for("olga@smoke.test", timeout=60), "/verify-email/")
        response = owner.get(link)
        check("/login" in response.url and response.status_code == 200, f"confirming landed on {response.url}")
        response = post_form(owner, base, "/login", {"email": "olga@smoke.test", "password": PASSWORD})
        check(response.url.endswith("/t/smoke-co/") or "/t/smoke-co" in response.url, f"sign-in landed on {response.url}")

        step("invite a colleague; the worker sends the email")
        response = post_form(owner, base, "/t/smoke-co/invitations", {"email": "bob@smoke.test", "role": "member"})
        check(response.status_code == 200, f"invite answered {response.status_code}")
        message = mailbox.wait_for("bob@smoke.test", timeout=60)
        link = first_link(message, "/invitations/")
        check(link.startswith(base + "/invitations/"), f"link {link} is not on PUBLIC_URL")
        app_engine = create_engine(database_url)
        cleanup.callback(app_engine.dispose)

        def sender_recorded():
            # The worker hands the message to SMTP before it commits "sent": the mail can arrive
            # a moment before the row says who sent it.
            with app_engine.connect() as conn:
                return conn.scalar(text("SELECT sent_by FROM outbound_emails WHERE to_address = 'bob@smoke.test'"
                                        " AND status = 'sent'"))

        sent_by = wait_until(sender_recorded, "the invitation email recorded as sent", timeout=30)
        web_pids = {int(p) for p in re.findall(r"Booting worker with pid: (\d+)", web_log.read_text())}
        check(sent_by is not None and sent_by.endswith(f":{worker.pid}"),
              f"the email was sent by {sent_by}, not the Celery worker (pid {worker.pid})")
        check(int(sent_by.rsplit(":", 1)[1]) not in web_pids | {web.pid}, "a web process sent the email")

        step("accept from the emailed link as a new account")
        bob = requests.Session()
        response = post_form(bob, base, link.removeprefix(base), {"name": "Bob Smoke", "password": PASSWORD})
        check("/t/smoke-co" in response.url and response.status_code == 200, f"accept landed on {response.url}")

        step("upload a document (to S3) and search it")
        token = csrf(owner, f"{base}/t/smoke-co/knowledge")
        response = owner.post(f"{base}/t/smoke-co/knowledge", data={"csrf_token": token, "title": "Runbook"},
                              files={"file": ("runbook.md", b"# Runbook\nRotate the flamingo credentials weekly.\n",
                                              "text/markdown")})
        check(response.status_code == 200 and "Runbook" in response.text, f"upload answered {response.status_code}")
        with app_engine.connect() as conn:
            tenant_id = conn.scalar(text("SELECT id FROM tenants WHERE slug = 'smoke-co'"))
        # The tenant's counters and cache entries in Redis go with the run.
        cleanup.callback(lambda: [broker.delete(key) for key in broker.scan_iter(f"*{tenant_id}*")])
        objects = s3.object_names(bucket)
        check(len(objects) == 1 and objects[0].startswith(f"files/{tenant_id}/documents/doc_"),
              f"bucket holds {objects}")
        hits = bob.get(f"{base}/t/smoke-co/knowledge/search", params={"q": "flamingo"})
        check(hits.status_code == 200 and "Runbook" in hits.text, "search did not find the document")

        step("spend the API quota across both web workers")
        response = post_form(owner, base, "/t/smoke-co/keys", {"name": "smoke", "role": "viewer"})
        secret = re.search(r'id="new-key-secret">([^<]+)<', response.text)
        check(secret is not None, "no key secret on the keys page")
        admin = signed_in_platform_admin(base)
        response = post_form(admin, base, f"/admin/tenants/{tenant_id}/quotas", {"api_calls": "5"},
                             token_from=f"/admin/tenants/{tenant_id}")
        with app_engine.connect() as conn:
            limit = conn.scalar(text("SELECT limit_value FROM tenant_quotas WHERE tenant_id = :t "
                                     "AND resource = 'api_calls'"), {"t": tenant_id})
        check(limit == 5, f"the admin's quota change did not land (answered {response.status_code} at {response.url})")
        statuses: list[int] = []
        lock = threading.Lock()

        def call() -> None:
            answer = requests.get(f"{base}/api/v1/tenants/current",
                                  headers={"Authorization": f"Bearer {secret.group(1)}"}, timeout=30)
            with lock:
                statuses.append(answer.status_code)
                if answer.status_code == 429:
                    check(answer.json()["error"]["code"] == "api_quota_exceeded", answer.text)

        threads = [threading.Thread(target=call) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        check(sorted(statuses) == [200] * 5 + [429] * 7, f"quota of 5 admitted {statuses.count(200)}: {statuses}")

        step("metrics add up every worker's counters")
        check(requests.get(f"{base}/metrics", timeout=10).status_code == 404, "/metrics answered without the token")
        scrape = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {metrics_token}"},
                              timeout=10).text
        refused = re.search(r'tenantry_api_calls_total\{outcome="refused",plan="free"\} (\S+)', scrape)
        admitted = re.search(r'tenantry_api_calls_total\{outcome="admitted",plan="free"\} (\S+)', scrape)
        check(refused is not None and float(refused.group(1)) == 7, f"refused calls in metrics: {refused}")
        check(admitted is not None and float(admitted.group(1)) == 5, f"admitted calls in metrics: {admitted}")
        check('tenantry_job_queue_depth{queue="' + queue + '"}' in scrape, "no job queue depth in metrics")
        access = [line for line in web_log.read_text().splitlines() if '"logger": "app.access"' in line]
        check(any(f'"tenant_id": "{tenant_id}"' in line and '"request_id"' in line for line in access),
              "no JSON access record with the tenant")
        step("stop")
    step("prod-smoke passed")


if __name__ == "__main__":
    main()
