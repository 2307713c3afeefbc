"""An admin runs a tenant's life from its page: suspend, reactivate, trial, plan, quotas, delete, purge."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import GIB, AuditEvent, Tenant, TenantQuota
from app.models.types import utcnow
from tests import factories as f


def _events(tenant_id: str, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.tenant_id == tenant_id,
                                                             AuditEvent.action == action)))


def test_tenant_page_shows_profile_meters_members_invitations_and_history(admin_client, mailbox):
    owner = f.user("olive@acme.test", name="Olive Owner")
    tenant = f.tenant("acme", owner=owner, plan="basic", name="Acme Corp")
    f.member(tenant, "admin", f.user("adam@acme.test"))
    f.invitation(tenant, "pending@acme.test")

    html = admin_client.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True)

    assert "Acme Corp" in html and "olive@acme.test" in html and "Basic" in html
    assert html.count('class="quota-meter') == 3
    # Owner, one member and one pending invitation hold seats on Basic's 20.
    assert re.search(r'data-resource="users".*?3 <span[^>]*>/ 20</span>', html, re.S)
    assert "adam@acme.test" in html and "pending@acme.test" in html
    assert "Organisation created" in html  # status history and recent activity (the action, named)


def test_tenant_page_finds_a_tenant_by_slug_and_404s_for_unknown(admin_client):
    tenant = f.tenant("by-slug")
    assert admin_client.get("/admin/tenants/by-slug").status_code == 200
    assert admin_client.get(f"/admin/tenants/{tenant.id}x").status_code == 404


def test_suspending_refuses_the_tenants_next_browser_and_api_request(post, as_user, client):
    owner = f.user("owner@susp.test")
    tenant = f.tenant("susp", owner=owner, plan="pro", status="active")
    key = f.api_key(tenant, role="admin")
    assert client.get(f"/api/v1/tenants/{tenant.id}", headers={"Authorization": f"Bearer {key}"}).status_code == 200

    response = post(f"/admin/tenants/{tenant.id}/suspend", reason="Invoice 42 unpaid")
    assert response.status_code == 302

    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).status == "suspended"
    api = client.get(f"/api/v1/tenants/{tenant.id}", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "tenant_suspended"
    # The admin's client is now the owner's: the browser portal refuses too, and shows the reason.
    portal = as_user(owner).get(f"/t/{tenant.slug}/")
    assert portal.status_code == 403
    assert "Invoice 42 unpaid" in portal.get_data(as_text=True)


def test_suspending_needs_a_reason(post):
    tenant = f.tenant("no-reason", status="active")
    response = post(f"/admin/tenants/{tenant.id}/suspend", reason="  ")
    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    assert db.session.get(Tenant, tenant.id).status == "active"


def test_reactivating_lets_the_tenant_back_in(post, client):
    tenant = f.tenant("react", status="suspended")
    key = f.api_key(tenant, role="admin")
    assert client.get(f"/api/v1/tenants/{tenant.id}", headers={"Authorization": f"Bearer {key}"}).status_code == 403
    post(f"/admin/tenants/{tenant.id}/reactivate")
    assert db.session.get(Tenant, tenant.id).status == "active"
    assert client.get(f"/api/v1/tenants/{tenant.id}", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert len(_events(tenant.id, "tenant.reactivated")) == 1


def test_extending_a_trial_moves_its_end(post):
    tenant = f.tenant("trialist", plan="basic", status="trial")
    before = tenant.trial_ends_at
    response = post(f"/admin/tenants/{tenant.id}/extend-trial", days="10", follow=True)
    assert "Trial extended by 10 days" in response.get_data(as_text=True)
    assert db.session.get(Tenant, tenant.id).trial_ends_at >= before + timedelta(days=10)


def test_extending_by_an_impossible_number_of_days_is_explained(post):
    tenant = f.tenant("trial-bad", plan="basic", status="trial")
    response = post(f"/admin/tenants/{tenant.id}/extend-trial", days="900")
    assert response.status_code == 422
    assert "between 1 and 365" in response.get_data(as_text=True)


def test_downgrade_past_usage_needs_the_audited_override(post):
    tenant = f.tenant("crowded", plan="pro", status="active")
    for _ in range(6):
        f.member(tenant)  # 7 users; Free allows 5

    refused = post(f"/admin/tenants/{tenant.id}/plan", plan="free")
    assert refused.status_code == 409 or refused.status_code == 422
    assert "7 users; the Free plan allows 5" in refused.get_data(as_text=True)
    assert db.session.get(Tenant, tenant.id).plan_code == "pro"

    post(f"/admin/tenants/{tenant.id}/plan", plan="free", override_limits="y")
    assert db.session.get(Tenant, tenant.id).plan_code == "free"
    (event,) = _events(tenant.id, "tenant.plan_changed")
    assert event.details["override_limits"] is True
    assert event.actor_label == "root@platform.test"


def test_admin_moves_a_tenant_onto_enterprise(post):
    tenant = f.tenant("bigco", plan="basic", status="active")
    post(f"/admin/tenants/{tenant.id}/plan", plan="enterprise")
    assert db.session.get(Tenant, tenant.id).plan_code == "enterprise"


def test_custom_quotas_override_the_plan_and_blank_restores_it(post, admin_client):
    tenant = f.tenant("custom", plan="basic", status="active")

    post(f"/admin/tenants/{tenant.id}/quotas", users="250", storage="1.5", api_calls="unlimited")
    overrides = {q.resource: q.limit_value for q in db.session.scalars(
        select(TenantQuota).where(TenantQuota.tenant_id == tenant.id))}
    assert overrides == {"users": 250, "storage": int(1.5 * GIB), "api_calls": None}
    html = admin_client.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True)
    assert re.search(r'data-resource="users".*?/ 250</span>', html, re.S) and "Custom limit" in html

    post(f"/admin/tenants/{tenant.id}/quotas", users="", storage="", api_calls="")
    assert db.session.scalars(select(TenantQuota).where(TenantQuota.tenant_id == tenant.id)).all() == []
    assert len(_events(tenant.id, "tenant.quota_override")) == 2


def test_custom_quota_that_is_not_a_number_is_shown_on_its_field(post):
    tenant = f.tenant("custom-bad", plan="basic")
    response = post(f"/admin/tenants/{tenant.id}/quotas", users="lots")
    assert response.status_code == 422
    assert "Enter a number" in response.get_data(as_text=True)


def test_delete_restore_and_purge_with_the_typed_slug(post, server_app):
    tenant = f.tenant("doomed", status="active")
    tenant_id = tenant.id
    key = f.api_key(tenant, role="admin")
    tenant_client = server_app.test_client()

    # A click alone does not delete: the slug must be typed.
    refused = post(f"/admin/tenants/{tenant_id}/delete", confirm_slug="doome")
    assert refused.status_code == 422
    assert "Type the slug doomed exactly to delete this tenant" in refused.get_data(as_text=True)
    assert db.session.get(Tenant, tenant_id).status == "active"

    post(f"/admin/tenants/{tenant_id}/delete", confirm_slug="doomed")
    assert db.session.get(Tenant, tenant_id).status == "deleted"
    assert tenant_client.get(f"/api/v1/tenants/{tenant_id}",
                             headers={"Authorization": f"Bearer {key}"}).status_code == 404

    post(f"/admin/tenants/{tenant_id}/restore")
    assert db.session.get(Tenant, tenant_id).status == "active"

    post(f"/admin/tenants/{tenant_id}/delete", confirm_slug="doomed")
    wrong = post(f"/admin/tenants/{tenant_id}/purge", confirm_slug="doomd")
    assert wrong.status_code == 422
    assert "Type the slug doomed exactly" in wrong.get_data(as_text=True)
    assert db.session.get(Tenant, tenant_id) is not None

    done = post(f"/admin/tenants/{tenant_id}/purge", confirm_slug="doomed")
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/tenants")
    assert db.session.get(Tenant, tenant_id) is None
    assert len(_events(tenant_id, "tenant.purged")) == 1  # the trail outlives the tenant


def test_restore_after_the_grace_period_is_refused(post):
    tenant = f.tenant("too-late", status="deleted")
    row = db.session.get(Tenant, tenant.id)
    row.deleted_at = utcnow() - timedelta(days=31)
    db.session.commit()
    response = post(f"/admin/tenants/{tenant.id}/restore")
    assert response.status_code == 422
    assert "grace period has ended" in response.get_data(as_text=True)


def test_purging_a_live_tenant_is_refused(post):
    tenant = f.tenant("alive", status="active")
    response = post(f"/admin/tenants/{tenant.id}/purge", confirm_slug="alive")
    assert response.status_code == 422
    assert db.session.get(Tenant, tenant.id) is not None
