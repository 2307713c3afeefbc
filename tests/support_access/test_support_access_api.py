"""The API mirror of support access: platform keys ask, owners answer (issue 17)."""

from __future__ import annotations

from tests import factories as f
from tests.api.conftest import bearer
from tests.support_access.conftest import REASON, events, outbox


def _ask(client, tenant, **body):
    return client.post(f"/api/v1/tenants/{tenant.id}/support-access/requests", headers=bearer(f.api_key(None)),
                       json={"reason": REASON, "level": "full", "duration_minutes": 120, **body})


def test_a_platform_key_asks_and_an_owner_key_approves_then_revokes(client, world):
    tenant = world["tenant"]
    asked = _ask(client, tenant)
    assert asked.status_code == 201, asked.get_json()
    grant = asked.get_json()
    assert grant["status"] == "requested" and grant["admin"] is None and grant["duration_minutes"] == 120
    assert [m.to_address for m in outbox("support_access.requested")] == ["olive@acme.test"]

    owner = bearer(f.api_key(tenant, "owner"))
    listed = client.get(f"/api/v1/tenants/{tenant.id}/support-access", headers=owner).get_json()
    assert [g["id"] for g in listed["items"]] == [grant["id"]]
    approved = client.post(f"/api/v1/tenants/{tenant.id}/support-access/{grant['id']}/approve", headers=owner)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    again = client.post(f"/api/v1/tenants/{tenant.id}/support-access/{grant['id']}/deny", headers=owner)
    assert again.status_code == 409
    revoked = client.post(f"/api/v1/tenants/{tenant.id}/support-access/{grant['id']}/revoke", headers=owner)
    assert revoked.get_json()["status"] == "revoked"
    actions = [e.action for e in events(tenant.id, "support_access.")]
    assert actions == ["support_access.requested", "support_access.approved", "support_access.revoked"]


def test_platform_power_does_not_approve_its_own_request(client, world):
    tenant = world["tenant"]
    grant = _ask(client, tenant).get_json()
    refused = client.post(f"/api/v1/tenants/{tenant.id}/support-access/{grant['id']}/approve",
                          headers=bearer(f.api_key(None)))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "owner_required"


def test_an_owner_grants_standing_access(client, world):
    tenant = world["tenant"]
    made = client.post(f"/api/v1/tenants/{tenant.id}/support-access", headers=bearer(f.api_key(tenant, "owner")),
                       json={"reason": "Migration week", "level": "read_only", "days": 7})
    assert made.status_code == 201
    assert made.get_json()["standing"] is True and made.get_json()["admin"] is None
    too_long = client.post(f"/api/v1/tenants/{tenant.id}/support-access", headers=bearer(f.api_key(tenant, "owner")),
                           json={"reason": "Forever", "days": 365})
    assert too_long.status_code == 422


def test_break_glass_through_the_api_notifies_the_owners_at_once(client, world):
    tenant = world["tenant"]
    taken = _ask(client, tenant, break_glass=True, duration_minutes=60)
    assert taken.status_code == 201 and taken.get_json()["status"] == "approved"
    assert taken.get_json()["break_glass"] is True
    assert [m.to_address for m in outbox("support_access.break_glass")] == ["olive@acme.test"]
    assert _ask(client, tenant, break_glass=True, duration_minutes=600).status_code == 422


def test_a_member_without_the_permission_gets_403(client, world):
    tenant = world["tenant"]
    key = bearer(f.api_key(tenant, "admin"))
    assert client.get(f"/api/v1/tenants/{tenant.id}/support-access", headers=key).status_code == 403
    assert client.post(f"/api/v1/tenants/{tenant.id}/support-access", headers=key,
                       json={"reason": "x", "days": 1}).status_code == 403
    assert client.post(f"/api/v1/tenants/{tenant.id}/support-access/requests", headers=key,
                       json={"reason": REASON}).status_code == 403


def test_another_tenant_gets_404(client, world):
    tenant, other = world["tenant"], world["other"]
    grant = _ask(client, tenant).get_json()
    other_owner = bearer(f.api_key(other, "owner"))
    assert client.get(f"/api/v1/tenants/{tenant.id}/support-access", headers=other_owner).status_code == 404
    # Another tenant's grant, named through one's own tenant, is not found either.
    assert client.post(f"/api/v1/tenants/{other.id}/support-access/{grant['id']}/approve",
                       headers=other_owner).status_code == 404
