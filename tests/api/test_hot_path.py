"""The API's hot path: a warm metered call runs no SQL statement, and what it caches is cleared in
every other app instance when the rows it came from change.

"Another process" is a third app instance here, built with an access-cache scope of its own: a commit
in this process clears the caches of its own scope directly, and reaches the other scope only the
way it reaches another process: through Redis (within 1 s), or without Redis by the cache's TTL
(5 s). The instance the test body writes with is `app`; `reader` only ever serves requests.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import ApiUsageDaily, User
from app.services import access_cache, api_keys, members, plans, tenants, usage
from app.services.audit import Actor
from app.services.authority import Authority
from tests import factories
from tests.conftest import build_app

REDIS_URL = os.environ.get("REDIS_URL")
PATH = "/api/v1/tenants/current"


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


class StatementCounter:
    """The SQL statements an app instance's engine runs (every session, every thread)."""

    def __init__(self, instance) -> None:
        self.statements: list[str] = []
        with instance.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, _params, _context, _many) -> None:
        self.statements.append(statement)

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.mark.app_config(METER_LEASE_SECONDS=60)
def test_a_warm_metered_call_runs_no_sql_statement(app, server_app, client, clock):
    traveller = clock(datetime(2026, 3, 15, 9, tzinfo=UTC))
    tenant = factories.tenant("warm", plan="pro")
    secret = factories.api_key(tenant, "viewer")
    for _ in range(20):  # a busy second: the key and tenant are cached, one call leased at a time
        assert client.get(PATH, headers=bearer(secret)).status_code == 200
    traveller.shift(timedelta(seconds=1))
    assert client.get(PATH, headers=bearer(secret)).status_code == 200  # leases a block of 20
    with server_app.app_context():
        api_keys.flush_key_uses()  # the key's last use, written behind (not again within the minute)
    counter = StatementCounter(server_app)
    try:
        responses = [client.get(PATH, headers=bearer(secret)) for _ in range(19)]
    finally:
        counter.close()
    assert [r.status_code for r in responses] == [200] * 19
    assert responses[-1].get_json()["slug"] == "warm"
    assert responses[-1].headers["X-Quota-Remaining"] == str(50_000 - 40)
    assert counter.statements == []
    assert client.get(PATH, headers=bearer(secret)).status_code == 200  # the block is used up: a new one
    with server_app.app_context():
        returned = usage.return_leased_calls()
    assert returned == 19  # the new block was 20 calls, one of them used
    db.session.expire_all()
    assert usage.api_calls_this_month(tenant.id) == 41  # what was not used was given back


def test_a_key_s_last_use_is_written_behind_the_call(app, server_app, client, clock):
    clock(datetime(2026, 3, 15, 9, tzinfo=UTC))
    tenant = factories.tenant("noted")
    secret = factories.api_key(tenant, "viewer")
    assert client.get(PATH, headers=bearer(secret)).status_code == 200
    with server_app.app_context():
        api_keys.flush_key_uses()
    db.session.expire_all()
    assert api_keys.list_keys(tenant)[0].last_used_at == datetime(2026, 3, 15, 9, tzinfo=UTC)


# --- invalidation across instances --------------------------------------------------------------

@pytest.fixture
def reader(app, database_url):
    """Another app instance, as if in another process: its own access-cache scope; Redis when set."""
    def build(with_redis: bool):
        if with_redis and not REDIS_URL:
            pytest.skip("REDIS_URL is not set: invalidation over Redis is tested in CI's PostgreSQL pass")
        instance = build_app(database_url, ACCESS_CACHE_SCOPE=f"other-{uuid.uuid4().hex}",
                             REDIS_URL=REDIS_URL if with_redis else None)
        built.append(instance)
        return instance

    built: list = []
    if REDIS_URL:  # the writer publishes only when it has Redis too
        app.config["REDIS_URL"] = REDIS_URL
        access_cache.init_app(app)
    yield build
    for instance in built:
        with instance.app_context():
            db.engine.dispose()


def _warm(instance, secret: str) -> None:
    client = instance.test_client()
    for _ in range(2):
        response = client.get(PATH, headers=bearer(secret))
        assert response.status_code == 200, response.get_json()


def _call(instance, secret: str):
    return instance.test_client().get(PATH, headers=bearer(secret))


def _revoke(world) -> None:
    api_keys.revoke_key(world["tenant"], world["key_id"], Actor.cli())


def _suspend(world) -> None:
    tenants.set_status(world["tenant"], "suspended", Authority.cli(), reason="Unpaid invoice")


def _change_plan(world) -> None:
    plans.change_plan(world["tenant"], "basic", Authority.cli())


def _change_role(world) -> None:
    members.change_role(world["tenant"], world["member"].id, "viewer",
                        Authority.member(Actor.cli(), world["tenant"], "owner"))


def _disable_account(world) -> None:
    user = db.session.get(User, world["member"].id)
    user.is_disabled = True
    db.session.commit()


def _world() -> dict:
    owner = factories.user(f"owner-{uuid.uuid4().hex[:6]}@cache.test")
    tenant = factories.tenant(f"cached-{uuid.uuid4().hex[:6]}", plan="pro", owner=owner)
    member = factories.member(tenant, "admin", factories.user(f"member-{uuid.uuid4().hex[:6]}@cache.test"))
    secret = factories.api_key(tenant, "viewer")
    key_id = api_keys.list_keys(tenant)[0].id
    return {"tenant": tenant, "secret": secret, "key_id": key_id, "member": member}


# Each event, and what a caller of the other instance notices once it has reached it.
def _refused_401(response) -> bool:
    return response.status_code == 401


def _refused_suspended(response) -> bool:
    return response.status_code == 403 and response.get_json()["error"]["code"] == "tenant_suspended"


def _on_basic(response) -> bool:
    return response.status_code == 200 and response.headers["X-Quota-Limit"] == "10000"


EVENTS = {
    "key revoked": (_revoke, _refused_401),
    "tenant suspended": (_suspend, _refused_suspended),
    "plan changed": (_change_plan, _on_basic),
    # An API key's own role is fixed when it is made; these two change what a key's creator or a
    # JWT holder may do, which the cache must not outlive: it is cleared, and the next call reloads.
    "role changed": (_change_role, None),
    "account disabled": (_disable_account, None),
}


@pytest.mark.redis
@pytest.mark.parametrize("event_name", list(EVENTS))
def test_an_event_reaches_another_instance_within_one_second_over_redis(app, reader, event_name):
    change, noticed = EVENTS[event_name]
    other = reader(with_redis=True)
    world = _world()
    _warm(other, world["secret"])
    cache = access_cache.cache_of(other)
    before = cache.generation
    change(world)
    assert cache.wait_for_clear(before, timeout=1.0), f"{event_name}: not invalidated within 1 s"
    counter = StatementCounter(other)
    try:
        response = _call(other, world["secret"])
    finally:
        counter.close()
    assert counter.statements, "the call after an invalidation reads the rows again"
    if noticed is not None:
        assert noticed(response), response.get_json()


@pytest.mark.parametrize("event_name", [name for name, (_, noticed) in EVENTS.items() if noticed])
def test_without_redis_an_event_reaches_another_instance_within_the_ttl(app, reader, clock, event_name):
    change, noticed = EVENTS[event_name]
    start = clock(datetime(2026, 3, 15, 9, tzinfo=UTC))
    other = reader(with_redis=False)
    world = _world()
    _warm(other, world["secret"])
    change(world)
    assert not noticed(_call(other, world["secret"]))  # still cached: the other process has not heard
    start.shift(timedelta(seconds=access_cache.MAX_TTL_SECONDS))
    assert noticed(_call(other, world["secret"]))


def test_a_commit_in_this_process_clears_its_caches_at_once(app, server_app, client):
    world = _world()
    assert client.get(PATH, headers=bearer(world["secret"])).status_code == 200
    _revoke(world)
    assert client.get(PATH, headers=bearer(world["secret"])).status_code == 401


def test_counting_columns_do_not_clear_the_cache(app):
    cache = access_cache.current_cache()
    world = _world()
    before = cache.generation
    usage.load_daily_calls(world["tenant"].id, {datetime(2026, 3, 2, tzinfo=UTC).date(): 5})
    api_keys.authenticate_key(world["secret"])
    api_keys.flush_key_uses()
    assert db.session.query(ApiUsageDaily).count() == 1
    assert cache.generation == before
