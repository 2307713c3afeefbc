"""`make run`'s two commands on every isolation strategy, run twice as a second `make run` does,
in a process of their own (development config, as `make run`), then the demo's pages."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.services import accounts
from tests.conftest import TEST_DATABASE_URL, _driver_url, login

ROOT = Path(__file__).resolve().parents[2]
# Row isolation is `make run`'s default, seeded in-process by tests/cli/test_commands.py; these are
# the two that crashed (issue 9, finding 11). Schema needs PostgreSQL.
STRATEGIES = ["database", "schema"] if TEST_DATABASE_URL else ["database"]


@pytest.fixture
def demo_database(tmp_path):
    """A database of the demo's own: a SQLite file, or a fresh PostgreSQL database (and its tenants')."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path / 'portal.db'}"
        return
    server = make_url(_driver_url(TEST_DATABASE_URL))
    name = f"demo_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            for (db_name,) in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"),
                                           {"p": f"{name}%"}):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        admin.dispose()


def _flask(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("strategy", STRATEGIES)
# The seed runs in a process of its own on the real clock (trial ends are "days from now"), so the
# pages are read on the real clock too, not on the suite's shifted one.
@pytest.mark.real_clock
def test_make_run_seeds_and_serves_the_demo_twice_on_each_strategy(strategy, demo_database, tmp_path):
    places = {"TENANT_DATABASE_DIR": str(tmp_path / "tenants"), "STORAGE_DIR": str(tmp_path / "storage"),
              "MAIL_OUTBOX_DIR": str(tmp_path / "outbox")}
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "CELERY_BROKER_URL", "TEST_CLOCK", "STORAGE_URL")}
    env.update(APP_ENV="development", DATABASE_URL=demo_database, ISOLATION_STRATEGY=strategy, **places)

    for run in ("first", "second"):
        for command in (["db", "upgrade"], ["seed-demo", "--if-empty"]):
            done = _flask(command, env)
            assert done.returncode == 0, f"{run} run, flask {' '.join(command)}:\n{done.stderr[-3000:]}"
        assert "alice@acme.example" in done.stdout
    assert "already present" in done.stdout

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": _driver_url(demo_database), **places})
    with app.app_context():
        try:
            client = app.test_client()
            login(client, accounts.find_user("alice@acme.example"))
            for path, expected in [("/t/acme/", "Acme Corporation"),
                                   ("/t/acme/knowledge", "Employee onboarding guide"),
                                   ("/t/acme/knowledge/search?q=onboarding", "Employee onboarding guide"),
                                   ("/t/globex/knowledge", "Lab safety rules"),
                                   ("/t/acme/members", "bob@acme.example")]:
                response = client.get(path)
                assert response.status_code == 200, (path, response.get_data(as_text=True)[:500])
                assert expected in response.get_data(as_text=True), path
        finally:
            db.session.remove()
            db.engine.dispose()
