"""Leases of a tenant's quota (`services.meter_leases`): two processes' lease books on one meter
never admit more than remains, give back what they did not use, and shrink to one call near the limit."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from app.extensions import db
from app.services import usage
from app.services.meter_leases import LeaseBook
from tests import factories

REDIS_URL = os.environ.get("REDIS_URL")
MOMENT = datetime(2026, 3, 15, 9, tzinfo=UTC)


class Meters:
    """The meter under test, and tenants with a given number of calls left on it."""

    def __init__(self, meter) -> None:
        self.meter = meter
        self.tenant_ids: list[str] = []

    def tenant_with(self, left: int) -> str:
        tenant = factories.tenant(plan="free")  # 1,000 calls a month
        self.tenant_ids.append(tenant.id)
        self.meter.load(tenant.id, {MOMENT.date(): 1_000 - left})
        db.session.commit()
        return tenant.id


@pytest.fixture(params=["database", "redis"])
def meters(request, app):
    if request.param == "database":
        yield Meters(usage.DatabaseMeter())
        return
    if not REDIS_URL:
        pytest.skip("REDIS_URL is not set: the Redis meter is tested in CI's PostgreSQL pass")
    import redis

    from app.services.usage_redis import RedisMeter

    client = redis.Redis.from_url(REDIS_URL)
    made = Meters(RedisMeter(client))
    yield made
    for tenant_id in made.tenant_ids:
        keys = list(client.scan_iter(match=f"usage:{tenant_id}:*"))
        if keys:
            client.delete(*keys)
    client.close()


def test_two_lease_books_admit_exactly_what_remains(app, clock, meters):
    meter = meters.meter
    clock(MOMENT)
    tenant_id = meters.tenant_with(300)
    first, second = (LeaseBook(meter, lease_seconds=60, grow_after=1, max_block=50) for _ in range(2))
    admitted = sum(book.consume(tenant_id, 1_000, MOMENT).allowed
                   for _ in range(200) for book in (first, second))
    assert admitted <= 300  # whatever the interleaving: never more than remains
    assert meter.month_total(tenant_id, MOMENT) == 1_000  # both hold what they leased
    given_back = first.return_expired(everything=True) + second.return_expired(everything=True)
    assert given_back == 300 - admitted
    while first.consume(tenant_id, 1_000, MOMENT).allowed:
        admitted += 1
    assert admitted == 300
    assert meter.month_total(tenant_id, MOMENT) == 1_000


def test_near_the_limit_a_lease_is_one_call(app, clock, meters):
    meter = meters.meter
    clock(MOMENT)
    tenant_id = meters.tenant_with(15)  # fewer than SPREAD (16) left
    assert meter.lease(tenant_id, 1_000, 50, 16, MOMENT) == (1, 986)
    far = meters.tenant_with(900)
    assert meter.lease(far, 1_000, 50, 16, MOMENT) == (50, 150)
    assert meter.lease(far, 1_000, 100, 16, MOMENT) == (53, 203)  # (1,000 - 150) // 16


def test_a_quiet_tenant_leases_one_call_at_a_time(app, clock, meters):
    meter = meters.meter
    clock(MOMENT)
    tenant_id = meters.tenant_with(500)
    book = LeaseBook(meter, lease_seconds=60)
    results = [book.consume(tenant_id, 1_000, MOMENT) for _ in range(5)]
    assert [r.used for r in results] == [501, 502, 503, 504, 505]
    assert meter.month_total(tenant_id, MOMENT) == 505  # nothing leased beyond the calls made
