"""Platform admins see a tenant's SSO connections, switch one off, and lift "Require SSO" (audited)."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, SsoConnection
from app.services.sso import connections, enforcement
from tests import factories as f
from tests.conftest import csrf_token
from tests.sso.conftest import SYSTEM


def _ldap(tenant):
    return connections.create_connection(tenant, {
        "protocol": "ldap", "name": "Acme Directory", "host": "127.0.0.1", "port": 389, "security": "plain",
        "base_dn": "dc=acme,dc=test", "user_dn_template": "uid={username},dc=acme,dc=test"}, SYSTEM)


def test_a_platform_admin_switches_a_connection_off_and_the_tenant_cannot_undo_it(client, as_user, acme):
    connection = _ldap(acme)
    as_user(f.user("root@platform.test", admin=True))
    page = client.get(f"/admin/tenants/{acme.id}").get_data(as_text=True)
    assert "Acme Directory" in page
    token = csrf_token(client, f"/admin/tenants/{acme.id}")
    response = client.post(f"/admin/tenants/{acme.id}/sso/{connection.id}/switch",
                           data={"csrf_token": token, "disabled": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SsoConnection, connection.id).disabled_by_platform is True
    assert AuditEvent.query.filter_by(action="sso.connection_platform_disabled").count() == 1


def test_a_connection_of_another_tenant_is_not_found_under_this_one(client, as_user, acme, globex):
    connection = _ldap(acme)
    as_user(f.user("root@platform.test", admin=True))
    token = csrf_token(client, f"/admin/tenants/{globex.id}")
    response = client.post(f"/admin/tenants/{globex.id}/sso/{connection.id}/switch",
                           data={"csrf_token": token, "disabled": "1"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(SsoConnection, connection.id).disabled_by_platform is False


def test_a_platform_admin_lifts_require_sso_with_a_reason(client, as_user, acme):
    _ldap(acme)
    enforcement.set_require_sso(acme, True, SYSTEM)
    as_user(f.user("root@platform.test", admin=True))
    token = csrf_token(client, f"/admin/tenants/{acme.id}")
    empty = client.post(f"/admin/tenants/{acme.id}/sso/lift-requirement", data={"csrf_token": token, "reason": ""})
    assert empty.status_code == 422 and "Say why" in empty.get_data(as_text=True)
    response = client.post(f"/admin/tenants/{acme.id}/sso/lift-requirement",
                           data={"csrf_token": token, "reason": "IdP outage, ticket 7"})
    assert response.status_code == 302
    db.session.expire_all()
    assert acme.config.require_sso is False
    event = AuditEvent.query.filter_by(action="security.sso_break_glass").one()
    assert event.details == {"how": "platform_admin", "reason": "IdP outage, ticket 7"}
