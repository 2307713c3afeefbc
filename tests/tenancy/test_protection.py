"""After naming the tenant and admitting the caller: the tenant's status decides (platform admins pass)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models.types import utcnow
from tests import factories


@pytest.mark.parametrize(("status", "http_status", "code"), [
    ("suspended", 403, "tenant_suspended"),
    ("expired", 402, "tenant_expired"),
    ("deleted", 404, "tenant_not_found"),
])
def test_tenant_status_refuses_its_own_members(app, api, status, http_status, code):
    tenant = factories.tenant("frozen", status=status)
    key = factories.api_key(tenant, "owner")
    response = api.get("/api/v1/tenants/frozen/users", key=key)
    assert response.status_code == http_status
    assert response.get_json()["error"]["code"] == code
    assert "X-Quota-Remaining" not in response.headers  # refused calls are not metered


@pytest.mark.parametrize("status", ["suspended", "expired", "deleted"])
def test_platform_admins_pass_every_status(app, api, status):
    factories.tenant("frozen", status=status)
    response = api.get("/api/v1/tenants/frozen/users", key=factories.api_key(None))
    assert response.status_code == 200


def test_a_trial_past_its_end_counts_as_expired(app, api):
    tenant = factories.tenant("lapsed", plan="basic", status="trial")
    tenant.trial_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = api.get("/api/v1/tenants/lapsed", key=factories.api_key(tenant, "viewer"))
    assert response.status_code == 402


def test_platform_admin_user_token_passes_and_is_not_metered(app, api):
    factories.user("root@platform.test", admin=True)
    factories.tenant("frozen", status="suspended")
    token = api.post("/api/v1/auth/token", json={"email": "root@platform.test",
                                                 "password": factories.PASSWORD}).get_json()["access_token"]
    response = api.get("/api/v1/tenants/frozen", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "X-Quota-Limit" not in response.headers


def test_members_of_a_suspended_tenant_see_the_reason(app, api):
    tenant = factories.tenant("hooli", status="suspended")
    response = api.get("/api/v1/tenants/current", key=factories.api_key(tenant, "viewer"))
    assert response.status_code == 403
    assert response.get_json()["error"]["details"]["reason"] == "Test suspension"
