"""The evaluation API for a tenant's own product, and the OpenFeature provider that reads it over HTTP."""

from __future__ import annotations

import pytest
from openfeature import api as openfeature_api
from openfeature.exception import ErrorCode

from app.integrations.openfeature import TenantryProvider
from app.services import plans, tenants
from tests import factories as f
from tests.live import served_portal


def test_features_of_the_keys_tenant_are_its_plans_entitlements_and_its_flags(client, app):
    acme = f.tenant("acme", plan="basic")
    tenants.update_tenant(acme, f.SYSTEM, feature_flags={"beta_search": True})
    f.tenant("globex", plan="enterprise")
    key = f.api_key(acme, "viewer")
    body = client.get("/api/v1/tenants/current/features", headers={"Authorization": f"Bearer {key}"}).get_json()
    assert body["plan"] == "basic" and body["flags"] == {"beta_search": True}
    assert body["entitlements"] == {"audit_export": True, "webhooks": True, "custom_roles": False, "scim": False,
                                    "sso": False}
    # Another tenant named by the header: a tenant key reaches only its own tenant.
    other = client.get("/api/v1/tenants/current/features",
                       headers={"Authorization": f"Bearer {key}", "X-Tenant-ID": "globex"})
    assert other.status_code in (400, 403, 404) and "entitlements" not in (other.get_json() or {})


@pytest.fixture
def live_portal(app, database_url):
    """The app on 127.0.0.1:<free port>, sharing the test database."""
    with served_portal(database_url) as url:
        yield url


def test_the_openfeature_client_evaluates_a_tenants_features_against_a_live_portal(live_portal):
    acme = f.tenant("acme", plan="basic")
    tenants.update_tenant(acme, f.SYSTEM, feature_flags={"new_editor": True, "webhooks": False})
    now = [0.0]
    provider = TenantryProvider(live_portal, f.api_key(acme, "viewer"), ttl=30, clock=lambda: now[0])
    openfeature_api.set_provider(provider, domain="tenantry-test")
    client = openfeature_api.get_client("tenantry-test")
    try:
        assert client.get_boolean_value("audit_export", False) is True
        assert client.get_boolean_value("sso", True) is False
        assert client.get_boolean_value("new_editor", False) is True
        assert client.get_boolean_value("webhooks", True) is False  # the tenant's flag wins
        missing = client.get_boolean_details("no_such_flag", True)
        assert missing.value is True and missing.error_code == ErrorCode.FLAG_NOT_FOUND

        plans.change_plan(acme, "pro", f.SYSTEM)
        assert client.get_boolean_value("sso", False) is False  # cached for the TTL
        now[0] = 31.0
        details = client.get_boolean_details("sso", False)
        assert details.value is True and details.reason == "STATIC"
    finally:
        openfeature_api.clear_providers()
