"""API-call metering: one call per tenant-scoped request, atomically, 429 past the monthly limit.

The concurrency tests fire many requests at once at a tenant with a few calls left and count
exactly how many got through, on the database counter (SQLite and PostgreSQL) and on Redis.
Each request runs through its own test client in its own thread, so it has its own app context
and database session against the shared database, as in production.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models.types import utcnow
from app.services import usage
from tests import factories

REDIS_URL = os.environ.get("REDIS_URL")


def test_every_metered_response_carries_the_quota_headers(world, api):
    first = api.get("/api/v1/tenants/acme", headers=world.headers("viewer"))
    second = api.get("/api/v1/tenants/acme/quota", headers=world.headers("viewer"))
    assert first.headers["X-Quota-Limit"] == "50000"
    assert first.headers["X-Quota-Remaining"] == "49999"
    assert second.headers["X-Quota-Remaining"] == "49998"
    assert second.get_json()["quotas"]["api_calls"]["used"] == 2


def test_a_metered_call_that_then_fails_still_counts_and_says_so(world, api):
    response = api.post("/api/v1/tenants/acme/users", headers=world.headers("admin"), json={"email": "bad"})
    assert response.status_code == 422
    assert response.headers["X-Quota-Remaining"] == "49999"


def test_refused_callers_do_not_spend_the_tenants_quota(world, api):
    api.get("/api/v1/tenants/acme", headers=world.headers("other"))  # 404: not theirs
    api.get("/api/v1/tenants/acme/audit", headers=world.headers("viewer"))  # 403: role too low
    api.get("/api/v1/tenants/acme")  # 401
    assert usage.api_calls_this_month(world.tenant.id) == 0


def test_platform_calls_are_not_metered(world, api):
    response = api.get("/api/v1/tenants/acme", headers=world.headers("platform"))
    assert response.status_code == 200 and "X-Quota-Limit" not in response.headers
    assert usage.api_calls_this_month(world.tenant.id) == 0


def test_unlimited_plans_are_counted_without_limit_headers(app, api):
    tenant = factories.tenant("bigco", plan="enterprise")
    response = api.get("/api/v1/tenants/bigco", key=factories.api_key(tenant, "viewer"))
    assert response.status_code == 200 and "X-Quota-Limit" not in response.headers
    assert usage.api_calls_this_month(tenant.id) == 1


# Moments where a month-based meter goes wrong if it will: the edges of a period, a leap day, a
# year end and an ordinary day. Every test here runs at one of them, never at today's date.
EDGES = {
    "mid-month": datetime(2026, 3, 15, 9, 30, tzinfo=UTC),
    "first-second-of-month": datetime(2026, 12, 1, 0, 0, 0, tzinfo=UTC),
    "last-second-of-month": datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC),
    "leap-day": datetime(2028, 2, 29, 12, 0, tzinfo=UTC),
    "new-year": datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC),
}


def _nearly_spent(remaining: int) -> tuple:
    """A Free tenant (1,000 calls a month) with `remaining` calls left, a viewer key, and the
    number of calls already on today's row (the rest of the month is on the day before when the
    period has one, so the monthly total really is a sum over day rows)."""
    tenant = factories.tenant(f"busy-{remaining}", plan="free")
    today = utcnow().date()
    used = 1_000 - remaining
    if today.day > 1:
        usage.load_daily_calls(tenant.id, {today - timedelta(days=1): used - 10, today: 10})
        already_today = 10
    else:
        usage.load_daily_calls(tenant.id, {today: used})
        already_today = used
    return tenant, factories.api_key(tenant, "viewer"), already_today


@pytest.mark.parametrize("moment", list(EDGES))
def test_past_the_limit_is_429_with_retry_after_until_next_month(app, api, clock, moment):
    clock(EDGES[moment])
    tenant, key, _ = _nearly_spent(1)
    last = api.get(f"/api/v1/tenants/{tenant.slug}", key=key)
    assert last.status_code == 200 and last.headers["X-Quota-Remaining"] == "0"
    refused = api.get(f"/api/v1/tenants/{tenant.slug}", key=key)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "api_quota_exceeded"
    assert refused.headers["X-Quota-Limit"] == "1000" and refused.headers["X-Quota-Remaining"] == "0"
    retry_after = int(refused.headers["Retry-After"])
    _, period_end = usage.period_bounds()
    assert 0 < retry_after <= (period_end - utcnow()).total_seconds() + 1
    assert period_end == datetime(EDGES[moment].year + (EDGES[moment].month == 12), EDGES[moment].month % 12 + 1, 1,
                                  tzinfo=UTC)
    assert usage.api_calls_this_month(tenant.id) == 1_000


def _fire_at_once(server_app, path: str, key: str, calls: int) -> list[int]:
    """`calls` requests released together by a barrier, each from its own thread and client."""
    barrier = threading.Barrier(calls)
    statuses: list[int] = []
    lock = threading.Lock()

    def one_call() -> None:
        client = server_app.test_client()
        barrier.wait()
        status = client.get(path, headers={"Authorization": f"Bearer {key}"}).status_code
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=one_call) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _assert_exactly_the_remaining_are_admitted(server_app, tenant, key, already_today: int, remaining: int,
                                               calls: int) -> None:
    statuses = _fire_at_once(server_app, f"/api/v1/tenants/{tenant.slug}", key, calls)
    assert sorted(set(statuses)) == [200, 429], statuses
    assert statuses.count(200) == remaining
    assert statuses.count(429) == calls - remaining
    db.session.expire_all()
    assert usage.api_calls_this_month(tenant.id) == 1_000
    assert usage.daily_calls(tenant.id, 1)[0][1] == already_today + remaining


@pytest.mark.parametrize("moment", ["mid-month", "first-second-of-month", "last-second-of-month"])
def test_concurrent_calls_admit_exactly_the_remaining_quota_on_the_database(app, server_app, clock, moment):
    clock(EDGES[moment])
    tenant, key, already_today = _nearly_spent(7)
    _assert_exactly_the_remaining_are_admitted(server_app, tenant, key, already_today, remaining=7, calls=24)


@pytest.fixture
def redis_meter(app, server_app):
    """Point both app instances at Redis (db from REDIS_URL); afterwards remove only our keys."""
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the Redis counter is tested in CI's PostgreSQL pass")
    import redis

    from app.services import usage

    for instance in (app, server_app):
        instance.config["REDIS_URL"] = REDIS_URL
        usage.init_app(instance)  # the meter is chosen when an app is built: choose again
    client = redis.Redis.from_url(REDIS_URL)
    created: list[str] = []
    yield created
    for tenant_id in created:
        keys = list(client.scan_iter(match=f"usage:{tenant_id}:*"))
        if keys:
            client.delete(*keys)


@pytest.mark.redis
@pytest.mark.parametrize("moment", ["mid-month", "first-second-of-month", "last-second-of-month"])
def test_concurrent_calls_admit_exactly_the_remaining_quota_on_redis(app, server_app, redis_meter, clock, moment):
    clock(EDGES[moment])
    tenant, key, already_today = _nearly_spent(7)
    redis_meter.append(tenant.id)
    _assert_exactly_the_remaining_are_admitted(server_app, tenant, key, already_today, remaining=7, calls=24)


def test_a_call_from_just_before_midnight_still_reaches_the_next_days_running_total(app):
    """The day rows carry the month's total forward; a late call on yesterday's row must not drop out."""
    tenant = factories.tenant("midnight", plan="free")
    now = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)  # a fixed mid-month day: the test never depends on today
    before_midnight = (now - timedelta(days=1)).replace(hour=23, minute=59, second=59)
    assert usage.consume_api_call_db(tenant.id, 1_000, before_midnight).allowed
    assert usage.consume_api_call_db(tenant.id, 1_000, now).used == 2  # today's row carries 1 forward
    late = usage.consume_api_call_db(tenant.id, 1_000, before_midnight)  # finishes after today's row exists
    assert late.allowed
    assert usage.api_calls_this_month(tenant.id, now) == 3
    assert [calls for _, calls in usage.daily_calls(tenant.id, 2, now)] == [2, 1]


@pytest.mark.redis
def test_redis_counters_sync_into_the_database_for_fleet_figures(app, server_app, redis_meter, runner):
    from app.services import stats

    tenant = factories.tenant("synced", plan="free")
    key = factories.api_key(tenant, "viewer")
    redis_meter.append(tenant.id)
    before = stats.fleet_stats().api_calls_this_month
    for _ in range(3):
        assert server_app.test_client().get("/api/v1/tenants/current",
                                            headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert usage.api_calls_this_month(tenant.id) == 3  # Redis is the meter now

    result = runner.invoke(args=["usage", "sync"])

    assert result.exit_code == 0 and "1 tenant" in result.output, result.output
    db.session.expire_all()
    assert usage.api_calls_this_month_db(tenant.id) == 3
    assert stats.fleet_stats().api_calls_this_month == before + 3
    # Idempotent: a second sync changes nothing.
    runner.invoke(args=["usage", "sync"])
    assert usage.api_calls_this_month_db(tenant.id) == 3


def test_usage_sync_without_redis_says_there_is_nothing_to_do(runner):
    result = runner.invoke(args=["usage", "sync"])
    assert result.exit_code == 0 and "nothing to sync" in result.output
