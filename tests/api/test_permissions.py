"""Who may call what: every tenant-scoped route against every kind of caller.

Owner, admin, member, viewer (keys bound to the tenant with that role), a key of another tenant,
a platform key, and no credentials at all. Another tenant's key meets 404 (it cannot even learn the
tenant exists), a role below the route's permission 403, no credentials 401.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Tenant
from app.services.permissions import ROLE_RANK

# method, path (under the tenant), body, least role that may call it
TENANT_ROUTES = [
    ("GET", "", None, "viewer"),
    ("PATCH", "", {"display_name": "Acme Inc."}, "admin"),
    ("GET", "/users", None, "viewer"),
    ("POST", "/users", {"email": "newcomer@elsewhere.test", "role": "viewer"}, "admin"),
    ("GET", "/quota", None, "viewer"),
    ("GET", "/usage", None, "viewer"),
    ("POST", "/change-plan", {"new_plan": "basic"}, "admin"),
    ("GET", "/invitations", None, "viewer"),
    ("POST", "/invitations", {"email": "invitee@elsewhere.test"}, "admin"),
    ("GET", "/audit", None, "admin"),
    ("GET", "/api-keys", None, "admin"),
    ("POST", "/api-keys", {"name": "ci", "role": "viewer"}, "admin"),
]
CALLERS = ["owner", "admin", "member", "viewer", "other", "platform", "none"]


def expected_status(who: str, least_role: str) -> int | None:
    """None means "a success" (2xx)."""
    if who == "none":
        return 401
    if who == "other":
        return 404
    if who == "platform":
        return None
    return None if ROLE_RANK[who] >= ROLE_RANK[least_role] else 403


@pytest.mark.parametrize("who", CALLERS)
@pytest.mark.parametrize(("method", "suffix", "body", "least_role"), TENANT_ROUTES,
                         ids=[f"{m} {s or '/'}" for m, s, _, _ in TENANT_ROUTES])
def test_each_caller_gets_what_its_role_allows(world, api, who, method, suffix, body, least_role):
    response = api.call(method, f"/api/v1/tenants/{world.tenant.slug}{suffix}", headers=world.headers(who),
                        json=body)
    expected = expected_status(who, least_role)
    if expected is None:
        assert 200 <= response.status_code < 300, response.get_json()
    else:
        assert response.status_code == expected, response.get_json()
        error = response.get_json()["error"]
        assert set(error) >= {"code", "message", "details"}
        if expected == 404:
            assert error["code"] == "tenant_not_found"


@pytest.mark.parametrize("who", ["owner", "admin", "member", "viewer", "other", "none"])
@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/api/v1/tenants/", {"name": "New Co", "slug": "new-co", "owner_email": "boss@new.test"}),
    ("GET", "/api/v1/tenants/", None),
], ids=["create", "list all"])
def test_platform_operations_refuse_everyone_else(world, api, who, method, path, body):
    response = api.call(method, path, headers=world.headers(who), json=body)
    assert response.status_code == (401 if who == "none" else 403)


@pytest.mark.parametrize(("who", "expected"), [("admin", 403), ("member", 403), ("viewer", 403), ("other", 404),
                                               ("none", 401), ("owner", 200), ("platform", 200)])
def test_owners_and_platform_admins_delete_a_tenant_as_in_settings(world, api, who, expected):
    response = api.delete("/api/v1/tenants/acme", headers=world.headers(who))
    assert response.status_code == expected
    db.session.expire_all()
    assert (db.session.get(Tenant, world.tenant.id).status == "deleted") is (expected == 200)


def test_plans_need_any_credential_but_no_role(world, api):
    assert api.get("/api/v1/tenants/plans").status_code == 401
    for who in ("viewer", "other", "platform"):
        assert api.get("/api/v1/tenants/plans", headers=world.headers(who)).status_code == 200
