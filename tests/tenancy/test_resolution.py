"""Naming the tenant: each source of the resolver chain, their order, and conflicts between them."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import AuditEvent
from tests import factories


@pytest.fixture
def two(app):
    """A platform key (belongs nowhere, so only the resolver names the tenant) and two tenants."""
    return factories.api_key(None), factories.tenant("acme"), factories.tenant("globex")


def slug_of(response) -> str:
    assert response.status_code == 200, response.get_json()
    return response.get_json()["slug"]


def test_path_names_the_tenant_by_slug_or_id(api, two):
    key, acme, _ = two
    assert slug_of(api.get("/api/v1/tenants/acme", key=key)) == "acme"
    assert slug_of(api.get(f"/api/v1/tenants/{acme.id}", key=key)) == "acme"


@pytest.mark.app_config(SERVER_NAME="portal.test")
def test_subdomain_names_the_tenant(api, two):
    key, _, _ = two
    response = api.get("/api/v1/tenants/current", key=key, base_url="http://globex.portal.test")
    assert slug_of(response) == "globex"


@pytest.mark.app_config(TENANT_BASE_DOMAIN="portal.test")
def test_the_products_own_subdomains_name_no_tenant(api, two):
    key, _, _ = two
    response = api.get("/api/v1/tenants/acme", key=key, base_url="http://www.portal.test")
    assert slug_of(response) == "acme"  # not a conflict between "www" and "acme"


def test_subdomain_is_ignored_without_a_base_domain(api, two):
    key, _, _ = two
    response = api.get("/api/v1/tenants/current", key=key, base_url="http://globex.portal.test")
    assert response.status_code == 404


def test_header_names_the_tenant_by_slug_or_id(api, two):
    key, acme, _ = two
    assert slug_of(api.get("/api/v1/tenants/current", key=key, headers={"X-Tenant-ID": "acme"})) == "acme"
    assert slug_of(api.get("/api/v1/tenants/current", key=key, headers={"X-Tenant-ID": acme.id})) == "acme"


def test_query_parameter_names_the_tenant(api, two):
    key, _, _ = two
    assert slug_of(api.get("/api/v1/tenants/current?tenant_id=globex", key=key)) == "globex"


def test_jwt_claim_names_the_tenant(api, two):
    _, acme, _ = two
    token = api.post("/api/v1/auth/token", json={"email": acme.owner.email, "password": factories.PASSWORD,
                                                 "tenant": "acme"}).get_json()["access_token"]
    assert slug_of(api.get("/api/v1/tenants/current", headers={"Authorization": f"Bearer {token}"})) == "acme"


def test_a_tenant_key_names_its_own_tenant_when_nothing_else_does(api, two):
    _, acme, _ = two
    assert slug_of(api.get("/api/v1/tenants/current", key=factories.api_key(acme, "viewer"))) == "acme"


def test_session_names_the_tenant_for_portal_pages(app, two):
    """The browser session's selected tenant: a fallback the resolver reads for signed-in users."""
    from flask import request, session

    from app.tenancy.resolver import resolver

    _, acme, _ = two
    with app.test_request_context("/"):
        session["tenant_id"] = acme.id
        resolution = resolver.resolve(request)
        assert resolution.tenant.id == acme.id and resolution.source == "session"
    # An explicit source wins over the session.
    with app.test_request_context("/", headers={"X-Tenant-ID": "globex"}):
        session["tenant_id"] = acme.id
        assert resolver.resolve(request).source == "header"


@pytest.mark.app_config(DEFAULT_TENANT="globex")
def test_default_tenant_serves_single_tenant_installs(api, two):
    key, _, _ = two
    assert slug_of(api.get("/api/v1/tenants/current", key=key)) == "globex"
    # An explicit name still wins over the default.
    assert slug_of(api.get("/api/v1/tenants/current", key=key, headers={"X-Tenant-ID": "acme"})) == "acme"


def test_explicit_sources_agreeing_is_fine(api, two):
    key, acme, _ = two
    response = api.get(f"/api/v1/tenants/acme?tenant_id={acme.id}", key=key, headers={"X-Tenant-ID": "acme"})
    assert slug_of(response) == "acme"


@pytest.mark.parametrize(("path", "headers"), [
    ("/api/v1/tenants/acme", {"X-Tenant-ID": "globex"}),
    ("/api/v1/tenants/current?tenant_id=globex", {"X-Tenant-ID": "acme"}),
    ("/api/v1/tenants/acme/quota?tenant_id=globex", {}),
])
def test_two_sources_naming_different_tenants_is_400_conflict(api, two, path, headers):
    key, _, _ = two
    response = api.get(path, key=key, headers=headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "tenant_conflict" and len(error["details"]["sources"]) == 2


def test_the_same_unknown_name_twice_is_404_not_a_conflict(api, two):
    key, _, _ = two
    response = api.get("/api/v1/tenants/nowhere", key=key, headers={"X-Tenant-ID": "nowhere"})
    assert response.status_code == 404


def test_unknown_tenant_and_foreign_tenant_look_the_same(api, two):
    _, acme, _ = two
    acme_key = factories.api_key(acme, "owner")
    unknown = api.get("/api/v1/tenants/no-such-tenant", key=acme_key)
    foreign = api.get("/api/v1/tenants/globex", key=acme_key)
    assert unknown.status_code == foreign.status_code == 404
    assert unknown.get_json() == foreign.get_json()


def test_naming_a_foreign_tenant_is_a_security_audit_event(api, two):
    _, acme, globex = two
    acme_key = factories.api_key(acme, "owner", name="acme-ci")
    api.get("/api/v1/tenants/current", key=acme_key, headers={"X-Tenant-ID": "globex"},
            environ_base={"REMOTE_ADDR": "203.0.113.9"})
    db.session.expire_all()
    event = db.session.query(AuditEvent).filter_by(action="security.tenant_access_denied").one()
    assert event.tenant_id == globex.id
    assert event.actor_label == "api-key:acme-ci"
    assert event.ip == "203.0.113.9"
    assert event.details["source"] == "header" and event.details["named"] == "globex"


def test_hammering_a_foreign_tenant_records_one_event_a_minute(api, two):
    _, acme, _ = two
    acme_key = factories.api_key(acme, "owner", name="acme-ci")
    for _ in range(5):
        assert api.get("/api/v1/tenants/globex", key=acme_key).status_code == 404
    db.session.expire_all()
    assert db.session.query(AuditEvent).filter_by(action="security.tenant_access_denied").count() == 1


def test_a_nul_in_a_tenant_name_names_no_tenant(api, two):
    key, _, _ = two
    # Refused where the request is read (app/web/request_checks.py), before any resolver runs.
    response = api.get("/api/v1/tenants/current?tenant_id=acme%00", key=key)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
