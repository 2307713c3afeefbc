"""The API's "Require SSO", recovery code, platform switches and domain auto-join: the portal's actions, as JSON.

Same services as Settings → Single sign-on and the admin console, so the same rules (owners only, a
usable connection first, a verified domain first) and the same audit events; another tenant's ids
are simply not found.
"""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, SsoConnection, TenantConfig
from app.services import domains
from app.services.sso import connections, enforcement
from tests import factories as f
from tests.api.conftest import bearer
from tests.sso.conftest import SYSTEM

API = "/api/v1/tenants"


def _ldap(tenant) -> SsoConnection:
    return connections.create_connection(tenant, {
        "protocol": "ldap", "name": "Directory", "host": "127.0.0.1", "port": 389, "security": "plain",
        "base_dn": "dc=acme,dc=test", "user_dn_template": "uid={username},dc=acme,dc=test"}, SYSTEM)


def _actions(tenant) -> list[str]:
    return [e.action for e in AuditEvent.query.filter_by(tenant_id=tenant.id).order_by(AuditEvent.id)]


def test_owner_requires_sso_gets_the_code_once_and_can_replace_it(client, acme):
    _ldap(acme)
    key = bearer(f.api_key(acme, "owner"))
    response = client.patch(f"{API}/acme/sso/requirement", headers=key, json={"require_sso": True})
    assert response.status_code == 200, response.get_json()
    first = response.get_json()["recovery_code"]
    assert response.get_json()["require_sso"] is True and first
    db.session.expire_all()
    assert db.session.get(TenantConfig, acme.id).sso_recovery_code_hash == enforcement._hash(first)
    read = client.get(f"{API}/acme/sso/requirement", headers=key).get_json()
    assert read == {"require_sso": True, "recovery_code_set": True, "recovery_code": None}

    replaced = client.post(f"{API}/acme/sso/recovery-code", headers=key)
    assert replaced.status_code == 201 and replaced.get_json()["recovery_code"] not in (None, first)
    off = client.patch(f"{API}/acme/sso/requirement", headers=key, json={"require_sso": False})
    assert off.get_json() == {"require_sso": False, "recovery_code_set": False, "recovery_code": None}
    assert [a for a in _actions(acme) if a.startswith("sso.re")] == [
        "sso.require_changed", "sso.recovery_code_created", "sso.require_changed"]


def test_requiring_sso_needs_an_owner_and_a_connection_and_a_code_needs_the_requirement(client, acme):
    owner = bearer(f.api_key(acme, "owner"))
    no_connection = client.patch(f"{API}/acme/sso/requirement", headers=owner, json={"require_sso": True})
    assert no_connection.status_code == 409 and no_connection.get_json()["error"]["code"] == "sso_no_connection"
    not_required = client.post(f"{API}/acme/sso/recovery-code", headers=owner)
    assert not_required.status_code == 409 and not_required.get_json()["error"]["code"] == "sso_not_required"
    _ldap(acme)
    admin = client.patch(f"{API}/acme/sso/requirement", headers=bearer(f.api_key(acme, "admin")),
                         json={"require_sso": True})
    assert admin.status_code == 403
    bad = client.patch(f"{API}/acme/sso/requirement", headers=owner, json={"require_sso": "yes"})
    assert bad.status_code == 422 and "require_sso" in bad.get_json()["error"]["details"]["fields"]
    db.session.expire_all()
    assert db.session.get(TenantConfig, acme.id).require_sso is False


def test_another_tenant_cannot_read_or_change_the_requirement_or_switch_auto_join(client, acme, globex):
    _ldap(acme)
    code = enforcement.set_require_sso(acme, True, SYSTEM)
    theirs = bearer(f.api_key(globex, "owner"))
    assert client.get(f"{API}/acme/sso/requirement", headers=theirs).status_code == 404
    assert client.patch(f"{API}/acme/sso/requirement", headers=theirs, json={"require_sso": False}).status_code == 404
    assert client.post(f"{API}/acme/sso/recovery-code", headers=theirs).status_code == 404
    acme_domain = domains.list_domains(acme)[0].id
    assert client.patch(f"{API}/globex/domains/{acme_domain}", headers=theirs,
                        json={"auto_join": True}).status_code == 404
    assert client.patch(f"{API}/acme/domains/{acme_domain}", headers=theirs,
                        json={"auto_join": True}).status_code == 404
    db.session.expire_all()
    assert db.session.get(TenantConfig, acme.id).require_sso is True and code
    assert domains.list_domains(acme)[0].auto_join is False


def test_owner_switches_auto_join_on_a_verified_domain_only(client, acme, dns):
    key = bearer(f.api_key(acme, "owner"))
    verified = domains.list_domains(acme)[0]
    on = client.patch(f"{API}/acme/domains/{verified.id}", headers=key, json={"auto_join": True})
    assert on.status_code == 200 and on.get_json()["auto_join"] is True
    assert _actions(acme)[-1] == "domain.auto_join_changed"
    pending = domains.add_domain(acme, "later.acme-corp.test", SYSTEM)
    refused = client.patch(f"{API}/acme/domains/{pending.id}", headers=key, json={"auto_join": True})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "domain_pending"
    assert client.patch(f"{API}/acme/domains/{verified.id}", headers=bearer(f.api_key(acme, "admin")),
                        json={"auto_join": False}).status_code == 403


def test_platform_admin_switches_a_connection_off_and_lifts_the_requirement(client, acme, globex):
    connection = _ldap(acme)
    enforcement.set_require_sso(acme, True, SYSTEM)
    platform = bearer(f.api_key(None, name="platform"))
    off = client.post(f"{API}/{acme.id}/sso/connections/{connection.id}/platform-disable", headers=platform)
    assert off.status_code == 200 and off.get_json()["disabled_by_platform"] is True
    assert off.get_json()["status"] == "disabled"
    # Under another tenant's name the same connection is not found.
    assert client.post(f"{API}/{globex.id}/sso/connections/{connection.id}/platform-enable",
                       headers=platform).status_code == 404
    on = client.post(f"{API}/acme/sso/connections/{connection.id}/platform-enable", headers=platform)
    assert on.status_code == 200 and on.get_json()["disabled_by_platform"] is False

    blank = client.post(f"{API}/acme/sso/lift-requirement", headers=platform, json={"reason": "  "})
    assert blank.status_code == 422 and "reason" in blank.get_json()["error"]["details"]["fields"]
    lifted = client.post(f"{API}/acme/sso/lift-requirement", headers=platform, json={"reason": "IdP down, ticket 42"})
    assert lifted.status_code == 200 and lifted.get_json()["require_sso"] is False
    assert _actions(acme)[-3:] == ["sso.connection_platform_disabled", "sso.connection_platform_enabled",
                                   "security.sso_break_glass"]


def test_tenant_owners_cannot_use_the_platform_switches(client, acme):
    connection = _ldap(acme)
    enforcement.set_require_sso(acme, True, SYSTEM)
    owner = bearer(f.api_key(acme, "owner"))
    assert client.post(f"{API}/acme/sso/connections/{connection.id}/platform-disable",
                       headers=owner).status_code == 403
    assert client.post(f"{API}/acme/sso/lift-requirement", headers=owner, json={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(SsoConnection, connection.id).disabled_by_platform is False
    assert db.session.get(TenantConfig, acme.id).require_sso is True
