"""Plans, plan changes, the quota report, daily usage and the audit trail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Subscription, Tenant
from app.models.types import utcnow
from app.services import usage
from tests import factories


def test_plans_list_the_release_notes_four(world, api):
    plans = api.get("/api/v1/tenants/plans", headers=world.headers("viewer")).get_json()["items"]
    assert [(p["code"], p["price_cents"]) for p in plans] == [
        ("free", 0), ("basic", 9900), ("pro", 29900), ("enterprise", None)]
    assert plans[-1]["limits"] == {"users": None, "storage_bytes": None, "api_calls_per_month": None}


def test_admin_changes_plan_with_the_release_notes_payload(world, api):
    # Pro -> Basic is a downgrade: billing applies it at the period end (docs/billing.md), an upgrade at once.
    response = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("admin"), json={"new_plan": "basic"})
    assert response.status_code == 200 and response.get_json()["plan"] == "pro"
    db.session.expire_all()
    assert db.session.get(Tenant, world.tenant.id).plan_code == "pro"
    subscription = db.session.scalar(select(Subscription).where(Subscription.tenant_id == world.tenant.id))
    assert subscription.scheduled_plan_code == "basic"
    response = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("admin"),
                        json={"new_plan": "enterprise"})
    assert response.status_code == 403
    upgraded = api.post("/api/v1/tenants/globex/change-plan", headers=world.headers("platform"), json={"new_plan": "pro"})
    assert upgraded.status_code == 200 and upgraded.get_json()["plan"] == "pro"


def test_enterprise_is_for_sales_to_arrange(world, api):
    refused = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("owner"),
                       json={"new_plan": "enterprise"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "contact_sales"
    done = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("platform"),
                    json={"new_plan": "enterprise"})
    assert done.status_code == 200 and done.get_json()["plan"] == "enterprise"


def test_downgrade_below_current_usage_is_409_naming_it(world, api):
    for _ in range(3):
        factories.member(world.tenant, "viewer")  # 7 users; Free allows 5
    response = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("owner"), json={"new_plan": "free"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "plan_downgrade_blocked"
    assert "7 users" in response.get_json()["error"]["details"]["blockers"][0]


def test_unknown_plan_is_422(world, api):
    response = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("owner"), json={"new_plan": "gold"})
    assert response.status_code == 422 and "new_plan" in response.get_json()["error"]["details"]["fields"]


def test_quota_reports_limits_usage_remaining_and_period(world, api):
    response = api.get("/api/v1/tenants/acme/quota", headers=world.headers("viewer"))
    body = response.get_json()
    assert body["plan"] == {"code": "pro", "name": "Professional"}
    assert body["quotas"]["users"] == {"limit": 50, "used": 4, "remaining": 46}
    # This very call is the first one metered this month.
    assert body["quotas"]["api_calls"] == {"limit": 50_000, "used": 1, "remaining": 49_999}
    assert body["period"]["start"].startswith(utcnow().strftime("%Y-%m-01T00:00:00"))
    assert body["period"]["end"] > body["period"]["start"]


def test_unlimited_quota_is_null(app, api):
    tenant = factories.tenant("bigco", plan="enterprise")
    body = api.get("/api/v1/tenants/bigco/quota", key=factories.api_key(tenant, "viewer")).get_json()
    assert body["quotas"]["users"] == {"limit": None, "used": 1, "remaining": None}


def test_usage_gives_thirty_days_of_daily_calls(world, api):
    today = utcnow().date()
    usage.load_daily_calls(world.tenant.id, {today - timedelta(days=1): 7, today - timedelta(days=40): 99})
    body = api.get("/api/v1/tenants/acme/usage", headers=world.headers("viewer")).get_json()
    assert len(body["days"]) == 30
    assert body["days"][-1] == {"date": today.isoformat(), "calls": 1}
    assert body["days"][-2] == {"date": (today - timedelta(days=1)).isoformat(), "calls": 7}
    assert body["limit"] == 50_000


def test_audit_trail_is_filterable_and_paginated(world, api):
    api.patch("/api/v1/tenants/acme", headers=world.headers("owner"), json={"name": "Acme Two"})
    admin = world.headers("admin")
    everything = api.get("/api/v1/tenants/acme/audit?per_page=2", headers=admin).get_json()
    assert everything["meta"]["per_page"] == 2 and everything["meta"]["total"] > 2
    updates = api.get("/api/v1/tenants/acme/audit?action=tenant.updated", headers=admin).get_json()
    assert [e["action"] for e in updates["items"]] == ["tenant.updated"]
    assert updates["items"][0]["actor"] == "api-key:owner key"
    future = (utcnow() + timedelta(days=1)).isoformat()
    assert api.get(f"/api/v1/tenants/acme/audit?since={future[:19]}", headers=admin).get_json()["meta"]["total"] == 0
    bad = api.get("/api/v1/tenants/acme/audit?since=yesterday", headers=admin)
    assert bad.status_code == 422


def test_audit_shows_only_this_tenants_events(world, api):
    events = api.get("/api/v1/tenants/acme/audit?per_page=100", headers=world.headers("admin")).get_json()["items"]
    assert events and all("globex" not in str(e["details"]) for e in events)
    other = api.get("/api/v1/tenants/globex/audit", headers=world.headers("admin"))
    assert other.status_code == 404
