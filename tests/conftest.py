"""Test fixtures: a real database (SQLite file, or PostgreSQL when TEST_DATABASE_URL is set),
the app, an HTTP client, and helpers to sign in and to read CSRF tokens.

Two app instances are built per test from the same config: `app` (its context is pushed for the
test body: factories and service calls) and `server_app` (behind `client`). Requests therefore run
in their own app context, with their own `g` and database session, as they would in production;
anything a test created must be committed before a request can see it, as in real life.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from tests import route_builders

route_builders.install()

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"


def _driver_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _suite_clock_start(value: str) -> datetime:
    """TEST_CLOCK: an ISO instant ('2028-02-29T23:59:00Z'), or 'month-start' for the first second
    of next month (UTC), which is always in the near future, so cookies the browser keeps stay valid."""
    if value == "month-start":
        now = datetime.now(UTC)
        return datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_POSTGRES and not TEST_DATABASE_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: the PostgreSQL "
                                "tests would be skipped.")
    # The whole run on a chosen date (the clock ticks on from there): proves no test needs today's.
    if os.environ.get("TEST_CLOCK"):
        start = _suite_clock_start(os.environ["TEST_CLOCK"])
        config._suite_clock = time_machine.travel(start, tick=True)
        config._suite_clock.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    if getattr(config, "_suite_clock", None):
        config._suite_clock.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With FAIL_ON_SKIP=1 (CI's PostgreSQL pass, where every service is there) a skip is a failure."""
    if os.environ.get("FAIL_ON_SKIP") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"FAIL_ON_SKIP=1: {len(skipped)} test(s) skipped; every test must run here.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"database: {'PostgreSQL (' + TEST_DATABASE_URL + ')' if TEST_DATABASE_URL else 'SQLite file'}"]
    if getattr(config, "_suite_clock", None):
        lines.append(f"clock: starts at {datetime.now(UTC).isoformat()} (TEST_CLOCK)")
    return lines


@pytest.fixture
def clock() -> Iterator:
    """`clock(moment)`: stop time at `moment` (aware UTC) for this test, in every thread; returns the
    traveller, whose `shift(timedelta)` / `move_to(moment)` move it. Time-dependent tests use this."""
    travellers: list = []

    def stop_at(moment: datetime):
        traveller = time_machine.travel(moment, tick=False)
        travellers.append(traveller)
        return traveller.start()

    yield stop_at
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of this test run's own: a fresh PostgreSQL database, or a SQLite file."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    server = make_url(_driver_url(TEST_DATABASE_URL))
    name = f"portal_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def build_app(database_url: str, **overrides) -> Flask:
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, **overrides})


@pytest.fixture(scope="session")
def _schema(database_url: str) -> None:
    """Create the control-plane tables once per run, and the plans."""
    app = build_app(database_url)
    with app.app_context():
        db.create_all()
        from app.services.plans import ensure_plans_seeded

        ensure_plans_seeded()
        db.engine.dispose()


@pytest.fixture(scope="session")
def _smtp() -> Iterator:
    from tests.mailbox import start_smtp_server

    controller, mailbox = start_smtp_server()
    yield mailbox
    controller.stop()


@pytest.fixture
def mailbox(_smtp):
    """A real SMTP server (aiosmtpd) the app sends to; asking for it points MAIL_SERVER at it."""
    _smtp.clear()
    return _smtp


@pytest.fixture(scope="session")
def s3_server() -> Iterator:
    """A real S3-protocol server (moto) for the whole run."""
    from tests.s3server import start_s3_server

    server = start_s3_server()
    yield server
    server.stop()


@pytest.fixture
def s3_bucket(s3_server) -> str:
    """A fresh bucket; asking for it points both app instances' STORAGE_URL at it (prefix `files`)."""
    return s3_server.new_bucket()


def _app_overrides(request: pytest.FixtureRequest) -> dict:
    overrides: dict = {}
    if "mailbox" in request.fixturenames:
        box = request.getfixturevalue("_smtp")
        overrides.update(MAIL_SERVER=box.host, MAIL_PORT=box.port)
    if "s3_bucket" in request.fixturenames:
        bucket = request.getfixturevalue("s3_bucket")
        overrides.update(STORAGE_URL=f"s3://{bucket}/files",
                         S3_ENDPOINT_URL=request.getfixturevalue("s3_server").endpoint_url)
    for marker in reversed(list(request.node.iter_markers("app_config"))):
        overrides.update(marker.kwargs)
    return overrides


def _clean_database(app: Flask) -> None:
    from app.services.plans import ensure_plans_seeded

    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        ensure_plans_seeded()
        db.session.remove()


@pytest.fixture
def app(database_url: str, _schema: None, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app whose context the test body runs in (factories, services, assertions)."""
    app = build_app(database_url, **_app_overrides(request))
    ctx = app.app_context()
    ctx.push()
    try:
        yield app
    finally:
        db.session.remove()
        ctx.pop()
        _clean_database(app)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def server_app(app: Flask, database_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """A second instance of the app, serving `client`'s requests in contexts of their own."""
    server = build_app(database_url, **_app_overrides(request))
    yield server
    with server.app_context():
        db.engine.dispose()


@pytest.fixture
def client(server_app: Flask):
    return server_app.test_client()


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's fixture of this name: no request context around the test body,
    so each client request gets its own (see the module docstring)."""
    yield


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


_CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """A valid CSRF token for this client's session, read from a rendered page."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client, user, *, mfa: bool = False, method: str = "password") -> str:
    """Sign `user` in on `client` without a password round-trip (the login form has its own tests):
    a server-side session as a real sign-in makes, with `mfa` saying whether it passed a second
    factor. Returns the session's token (what the cookie carries)."""
    from app.services import sessions

    token, _record = sessions.start(user, method=method, mfa=mfa, ip="127.0.0.1")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session["_sid"] = token
    return token


@pytest.fixture
def as_user(client):
    """`as_user(user)`: sign the client in as `user` and return the client."""

    def sign_in(user):
        login(client, user)
        return client

    return sign_in


@pytest.fixture
def is_postgres(app: Flask) -> bool:
    return db.engine.dialect.name == "postgresql"


# Session fixtures that start a peer in another process (it keeps real time: its cookies, tokens
# and signatures carry real timestamps), so a test using one runs on the real clock.
REAL_TIME_PEERS = frozenset({"oidc_idp"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_TIME_PEERS & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_clock)
    if TEST_DATABASE_URL:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL (CI does)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _real_clock_for_real_time_peers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Under TEST_CLOCK, a `real_clock` test (one that talks to a peer process keeping real time)
    runs on the real clock; the suite's clock then resumes where it would have been."""
    config = request.config
    suite_clock = getattr(config, "_suite_clock", None)
    if suite_clock is None or request.node.get_closest_marker("real_clock") is None:
        yield
        return
    shifted = datetime.now(UTC)
    suite_clock.stop()
    real_start = datetime.now(UTC)
    try:
        yield
    finally:
        config._suite_clock = time_machine.travel(shifted + (datetime.now(UTC) - real_start), tick=True)
        config._suite_clock.start()


REDIS_URL = os.environ.get("REDIS_URL")


@pytest.fixture
def redis_sessions(app: Flask, server_app: Flask) -> Iterator[str]:
    """Keep server-side sessions in Redis (the db REDIS_URL names) under a key prefix of this test's
    own; afterwards remove only those keys. Skips without REDIS_URL (CI's PostgreSQL pass has it)."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the Redis session store is tested in CI's PostgreSQL pass")
    import redis

    prefix = f"test-session-{uuid.uuid4().hex[:8]}:"
    for instance in (app, server_app):
        instance.config.update(SESSION_STORE="redis", REDIS_URL=REDIS_URL, SESSION_REDIS_PREFIX=prefix)
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()
