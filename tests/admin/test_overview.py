"""The overview: fleet figures from aggregate queries, the weekly chart, tenants near a quota."""

from __future__ import annotations

import re
from datetime import timedelta

from app.extensions import db
from app.models import GIB, Tenant
from app.models.types import utcnow
from app.services import quotas, stats, usage
from app.services.audit import Actor
from app.services.fleet import near_quota
from tests import factories as f


def test_overview_shows_status_plan_users_mrr_usage_and_storage(admin_client):
    f.tenant("pro-1", plan="pro", status="active")
    f.tenant("basic-1", plan="basic", status="active")
    f.tenant("basic-trial", plan="basic", status="trial")
    susp = f.tenant("susp", plan="pro", status="suspended")
    usage.load_daily_calls(susp.id, {utcnow().date(): 1234})

    html = admin_client.get("/admin/").get_data(as_text=True)

    def stat(key: str) -> str:
        return re.search(rf'data-stat="{key}".*?class="stat-value">([^<]+)<', html, re.S).group(1).strip()

    assert stat("tenants") == "4"
    assert stat("users") == "5"  # the admin and four owners
    assert stat("mrr") == "$398"  # Pro + Basic active; trials and suspended tenants pay nothing
    assert stat("api") == "1,234"
    assert "New tenants per week" in html and html.count('class="bar"') == 12
    assert 'href="/admin/tenants?status=suspended"' in html


def test_new_tenants_per_week_buckets_by_monday(app):
    now = utcnow()
    for weeks_ago in (0, 0, 1, 11, 12):
        tenant = f.tenant()
        db.session.get(Tenant, tenant.id).created_at = now - timedelta(weeks=weeks_ago)
    db.session.commit()

    weeks = stats.new_tenants_per_week(12, now=now)

    assert len(weeks) == 12 and weeks[-1].week_start.weekday() == 0
    assert weeks[-1].count == 2 and weeks[-2].count == 1 and weeks[0].count == 1
    assert sum(w.count for w in weeks) == 4  # twelve weeks ago is outside the window


def test_near_quota_lists_tenants_at_80_percent_of_an_effective_limit(app, admin_client):
    crowded = f.tenant("crowded", plan="free", status="active")
    for _ in range(3):
        f.member(crowded)  # 4 of 5 seats: 80%
    f.tenant("roomy", plan="free", status="active")
    storage = f.tenant("hoarder", plan="free", status="active")
    db.session.get(Tenant, storage.id).storage_used_bytes = 2 * GIB  # over the 1 GiB limit
    db.session.commit()
    custom = f.tenant("custom", plan="free", status="active")
    quotas.set_custom_limits(custom, {"users": 1}, Actor.system())  # its owner fills its 1 seat
    unlimited = f.tenant("unlimited", plan="free", status="active")
    quotas.set_custom_limits(unlimited, {"storage": None}, Actor.system())
    db.session.get(Tenant, unlimited.id).storage_used_bytes = 50 * GIB
    db.session.commit()

    rows = near_quota()

    assert [(r.slug, r.resource, r.percent) for r in rows] == [
        ("hoarder", "storage", 200), ("custom", "users", 100), ("crowded", "users", 80)]
    html = admin_client.get("/admin/").get_data(as_text=True)
    assert f"/admin/tenants/{storage.id}" in html and "2 GiB / 1 GiB" in html


def test_near_quota_agrees_with_the_quota_report(app, mailbox):
    tenant = f.tenant("agree", plan="free", status="active")
    f.invitation(tenant)
    for _ in range(3):
        f.member(tenant)
    (row,) = near_quota()
    users = next(line for line in quotas.quota_report(tenant) if line.resource == "users")
    assert (row.used, row.limit) == (users.used, users.limit) == (5, 5)
