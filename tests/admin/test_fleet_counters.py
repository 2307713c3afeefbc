"""The counters the fleet pages read instead of counting: members (kept by the database on every write,
whoever writes) and this month's API calls (kept with the usage rows); both stay true."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, insert, select, update

from app.extensions import db
from app.models import Tenant, TenantUser, User
from app.services import members, usage
from app.services.authority import Authority
from tests import factories as f
from tests.services.test_concurrency import run_in_parallel


def _counted(tenant_id: str) -> tuple[int, int]:
    """(the counter, a real count) of the tenant's active members."""
    db.session.expire_all()
    counter = db.session.scalar(select(Tenant.member_count).where(Tenant.id == tenant_id))
    real = db.session.scalar(select(func.count()).select_from(TenantUser)
                             .where(TenantUser.tenant_id == tenant_id, TenantUser.status == "active"))
    return counter, real


def _slugs(html: str) -> list[str]:
    return re.findall(r'<tr data-tenant="([^"]+)"', html)


def test_member_count_follows_every_way_a_membership_changes(app):
    tenant = f.tenant()
    assert _counted(tenant.id) == (1, 1)  # the owner
    first, second = f.member(tenant), f.member(tenant)
    assert _counted(tenant.id) == (3, 3)

    members.remove_member(tenant, first.id, Authority.system())
    assert _counted(tenant.id) == (2, 2)

    # Writes that no service makes still count: a status change, a bulk insert, a deleted user's cascade.
    db.session.execute(update(TenantUser).where(TenantUser.user_id == second.id).values(status="disabled"))
    db.session.commit()
    assert _counted(tenant.id) == (1, 1)
    db.session.execute(update(TenantUser).where(TenantUser.user_id == second.id).values(status="active"))
    third = f.user()
    db.session.execute(insert(TenantUser), [{"tenant_id": tenant.id, "user_id": third.id, "role": "viewer",
                                            "status": "active", "joined_at": datetime.now(UTC)}])
    db.session.commit()
    assert _counted(tenant.id) == (3, 3)
    db.session.execute(delete(User).where(User.id == third.id))
    db.session.commit()
    assert _counted(tenant.id) == (2, 2)


def test_members_added_at_the_same_moment_are_all_counted(app, database_url):
    tenant = f.tenant(plan="pro")
    people = [f.user().id for _ in range(6)]
    tenant_id = tenant.id

    def add(user_id: int):
        def job():
            from app.services.tenants import get_tenant

            members.add_member(get_tenant(tenant_id), db.session.get(User, user_id), "member",
                               Authority.system())
            return "added"
        return job

    assert run_in_parallel(database_url, [add(user_id) for user_id in people]) == ["added"] * 6
    assert _counted(tenant_id) == (7, 7)


def test_the_api_calls_counter_is_this_months_and_reads_zero_in_a_new_month(as_user, clock):
    clock(datetime(2027, 1, 31, 23, 59, 0, tzinfo=UTC))
    admin_client = as_user(f.user(admin=True))  # signed in at the test's time, so the session is fresh
    busy, quiet = f.tenant("busy-co"), f.tenant("quiet-co")
    for _ in range(3):
        assert usage.consume_api_call_db(busy.id, 100).allowed
    assert usage.consume_api_call_db(quiet.id, 100).allowed

    html = admin_client.get("/admin/tenants?sort=api_calls").get_data(as_text=True)
    assert _slugs(html) == ["busy-co", "quiet-co"]
    assert ">3<" in html

    # February: January's three calls are history; the one tenant that calls now comes first.
    clock(datetime(2027, 2, 1, 0, 0, 5, tzinfo=UTC))
    assert usage.consume_api_call_db(quiet.id, 100).allowed
    html = admin_client.get("/admin/tenants?sort=api_calls").get_data(as_text=True)
    assert _slugs(html) == ["quiet-co", "busy-co"]
    assert ">3<" not in html
    ascending = admin_client.get("/admin/tenants?sort=api_calls&dir=asc").get_data(as_text=True)
    assert _slugs(ascending) == ["busy-co", "quiet-co"]


def test_loading_past_usage_never_moves_the_counter_back_a_month(app, clock):
    clock(datetime(2027, 3, 15, 12, 0, tzinfo=UTC))
    tenant = f.tenant()
    usage.write_daily_calls_db(tenant.id, {datetime(2027, 3, 1).date() + timedelta(days=d): 10 for d in range(15)})
    usage.write_daily_calls_db(tenant.id, {datetime(2027, 2, 1).date(): 999})
    db.session.expire_all()
    row = db.session.get(Tenant, tenant.id)
    assert (row.api_calls_month, row.api_calls_month_start.isoformat()) == (150, "2027-03-01")


def test_seed_scale_builds_a_fleet_whose_counters_are_true(runner, admin_client):
    result = runner.invoke(args=["seed-scale", "--tenants", "30", "--users", "90"])
    assert result.exit_code == 0, result.output
    assert "Added 30 tenants and 90 users" in result.output
    counters = dict(db.session.execute(select(Tenant.id, Tenant.member_count)).all())
    real = dict(db.session.execute(select(TenantUser.tenant_id, func.count()).group_by(TenantUser.tenant_id)).all())
    assert counters == real and sum(real.values()) == 90

    # A second run adds to the first, and the table pages through all of them.
    assert runner.invoke(args=["seed-scale", "--tenants", "10", "--users", "10"]).exit_code == 0
    assert "of 40 tenants" in admin_client.get("/admin/tenants").get_data(as_text=True)


def test_seed_scale_refuses_fewer_users_than_tenants(runner):
    result = runner.invoke(args=["seed-scale", "--tenants", "10", "--users", "3"])
    assert result.exit_code != 0
    assert "at least as many users as tenants" in result.output
    assert db.session.scalar(select(func.count()).select_from(Tenant)) == 0


@pytest.mark.postgres
def test_searching_tenants_on_postgresql_reads_trigram_indexes(app):
    """Name, slug and owner email: one BitmapOr of indexes, not a scan of 10,000 tenants and 100,000 users."""
    from app.services import tenants

    f.tenant("acme-search", owner=f.user("boss@acme-search.test"))
    statement = (tenants.filtered_query(tenants.TenantFilter(q="acme")).with_only_columns(func.count())
                 .order_by(None))
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")  # a tiny table: ask which indexes could serve
        compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {compiled}"))
    for index in ("trgm_tenants_name", "trgm_tenants_slug", "trgm_users_email", "BitmapOr"):
        assert index in plan, plan
