"""Issue 9, finding 13: an expired tenant was told "choose a plan to continue", and choosing one
answered 402. The plan picker stays open while the tenant is expired, and a chosen plan revives it;
everything else stays refused until then."""

from __future__ import annotations

from datetime import timedelta

from app.extensions import db
from app.models import AuditEvent, Tenant
from app.models.types import utcnow
from tests import factories as f
from tests.conftest import csrf_token


def _lapsed_trial() -> Tenant:
    tenant = f.tenant("lapsed", plan="basic", status="trial", owner=f.user("owner@lapsed.test", name="Olga"))
    tenant.trial_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return tenant


def test_the_refusal_page_links_to_the_plan_picker_which_stays_open(client, as_user):
    tenant = _lapsed_trial()
    as_user(db.session.get(Tenant, tenant.id).owner)
    refused = client.get("/t/lapsed/")
    assert refused.status_code == 402
    assert 'href="/t/lapsed/plan"' in refused.get_data(as_text=True)
    assert client.get("/t/lapsed/plan").status_code == 200
    assert client.get("/t/lapsed/members").status_code == 402  # only the way back is open


def test_an_owner_choosing_a_plan_in_the_portal_brings_the_tenant_back(client, as_user):
    tenant = _lapsed_trial()
    as_user(db.session.get(Tenant, tenant.id).owner)
    token = csrf_token(client, "/t/lapsed/plan")
    response = client.post("/t/lapsed/plan", data={"csrf_token": token, "plan": "pro"})
    assert response.status_code == 302
    db.session.expire_all()
    tenant = db.session.get(Tenant, tenant.id)
    assert tenant.status == "active" and tenant.plan_code == "pro"
    assert client.get("/t/lapsed/").status_code == 200
    event = db.session.query(AuditEvent).filter_by(tenant_id=tenant.id, action="tenant.reactivated").one()
    assert event.details == {"from": "trial", "by": "plan_choice"}


def test_change_plan_through_the_api_answers_200_for_an_expired_tenant(app, api):
    tenant = f.tenant("gone", plan="free", status="expired")
    key = f.api_key(tenant, "owner")
    response = api.post("/api/v1/tenants/gone/change-plan", key=key, json={"new_plan": "basic"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "active"
    assert api.get("/api/v1/tenants/gone/users", key=key).status_code == 200


def test_a_refused_plan_choice_revives_nothing(app, api):
    tenant = f.tenant("gone", plan="free", status="expired")
    key = f.api_key(tenant, "owner")
    response = api.post("/api/v1/tenants/gone/change-plan", key=key, json={"new_plan": "enterprise"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).status == "expired"


def test_viewers_of_an_expired_tenant_still_cannot_change_its_plan(app, api):
    tenant = f.tenant("gone", plan="free", status="expired")
    response = api.post("/api/v1/tenants/gone/change-plan", key=f.api_key(tenant, "viewer"), json={"new_plan": "basic"})
    assert response.status_code == 403
