"""The flag-override API (platform admins) and what the tenant's evaluation API answers after a change."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from app.models import AuditEvent
from app.models.types import utcnow
from tests import factories as f


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_a_platform_key_sets_reads_lists_and_clears_an_override(client, app):
    acme = f.tenant("acme")
    admin = _bearer(f.api_key(None))
    put = client.put("/api/v1/tenants/acme/flags/new_editor", headers=admin,
                     json={"enabled": True, "note": "pilot"})
    assert put.status_code == 200, put.get_json()
    assert put.get_json() | {"updated_at": None} == {"key": "new_editor", "enabled": True, "expires_at": None,
                                                    "in_force": True, "set_by": put.get_json()["set_by"],
                                                    "note": "pilot", "updated_at": None}
    assert client.get("/api/v1/tenants/acme/flags/new_editor", headers=admin).get_json()["enabled"] is True
    assert [o["key"] for o in client.get("/api/v1/tenants/acme/flags", headers=admin).get_json()["items"]] == [
        "new_editor"]
    assert client.delete("/api/v1/tenants/acme/flags/new_editor", headers=admin).status_code == 204
    assert client.get("/api/v1/tenants/acme/flags/new_editor", headers=admin).status_code == 404
    assert AuditEvent.query.filter_by(tenant_id=acme.id, action="feature_flag.cleared").count() == 1


def test_the_evaluation_api_follows_a_change_at_once_despite_the_cache(client, app):
    acme = f.tenant("acme")
    admin, tenant_key = _bearer(f.api_key(None)), _bearer(f.api_key(acme, "viewer"))
    assert client.get("/api/v1/tenants/current/features", headers=tenant_key).get_json()["flags"] == {}
    client.put("/api/v1/tenants/acme/flags/beta_search", headers=admin, json={"enabled": True})
    assert client.get("/api/v1/tenants/current/features", headers=tenant_key).get_json()["flags"] == {
        "beta_search": True}
    assert client.get("/api/v1/tenants/current", headers=tenant_key).get_json()["settings"]["feature_flags"] == {
        "beta_search": True}


def test_an_override_with_an_expiry_ends_in_the_evaluation_api(client, app):
    start = utcnow().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        globex = f.tenant("globex")
        admin, tenant_key = _bearer(f.api_key(None)), _bearer(f.api_key(globex, "viewer"))
        expires = (start + timedelta(hours=1)).isoformat()
        assert client.put("/api/v1/tenants/globex/flags/beta_search", headers=admin,
                          json={"enabled": True, "expires_at": expires}).status_code == 200
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert client.get("/api/v1/tenants/current/features", headers=tenant_key).get_json()["flags"] == {}
        listed = client.get("/api/v1/tenants/globex/flags", headers=admin).get_json()["items"]
        assert [(o["key"], o["in_force"]) for o in listed] == [("beta_search", False)]


def test_an_expiry_in_the_past_is_a_422(client, app):
    f.tenant("acme")
    response = client.put("/api/v1/tenants/acme/flags/beta_search", headers=_bearer(f.api_key(None)),
                          json={"enabled": True, "expires_at": (utcnow() - timedelta(minutes=1)).isoformat()})
    assert response.status_code == 422 and response.get_json()["error"]["details"]["fields"].keys() == {"expires_at"}


def test_tenant_owners_keys_may_not_touch_overrides(client, app):
    acme = f.tenant("acme")
    owner = _bearer(f.api_key(acme, "owner"))
    assert client.put("/api/v1/tenants/acme/flags/beta_search", headers=owner, json={"enabled": True}).status_code == 403
    assert client.get("/api/v1/tenants/acme/flags", headers=owner).status_code == 403


def test_an_unknown_tenant_is_404(client, app):
    f.tenant("acme")
    admin = _bearer(f.api_key(None))
    assert client.get("/api/v1/tenants/nope-tenant/flags", headers=admin).status_code == 404
    assert client.put("/api/v1/tenants/nope-tenant/flags/x", headers=admin, json={"enabled": True}).status_code == 404
