""""Require SSO": password sign-in and reset refuse members; owners' break-glass; all audited."""

from __future__ import annotations

import pytest

from app.models import AuditEvent, UserSession
from app.services import accounts
from app.services.authority import Authority
from app.services.errors import PermissionDenied, ValidationError
from app.services.sso import connections, enforcement
from tests import factories as f
from tests.conftest import csrf_token
from tests.sso.conftest import SYSTEM


@pytest.fixture
def required(acme, oidc_idp, oidc_client):
    """Acme with an OIDC connection and SSO required; returns the owners' recovery code."""
    client_id, secret = oidc_client
    connections.create_connection(acme, {"protocol": "oidc", "name": "Acme Login", "issuer": oidc_idp.issuer,
                                         "client_id": client_id, "client_secret": secret}, SYSTEM)
    return enforcement.set_require_sso(acme, True, SYSTEM)


def _password_login(client, email, password=f.PASSWORD, recovery_code=None):
    data = {"csrf_token": csrf_token(client), "email": email, "password": password}
    if recovery_code:
        data["recovery_code"] = recovery_code
    return client.post("/login", data=data)


def test_a_member_is_refused_password_sign_in_and_pointed_to_the_connection(client, acme, required):
    mia = f.member(acme, "member", f.user("mia@acme.test"))
    response = _password_login(client, "mia@acme.test")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Acme requires single sign-on" in page and "Acme Login" in page
    assert UserSession.query.filter_by(user_id=mia.id).count() == 0
    assert AuditEvent.query.filter_by(action="security.password_sign_in_refused_sso_required").count() == 1


def test_people_of_other_tenants_still_sign_in_with_a_password(client, acme, required):
    outsider = f.user("gus@globex.test")
    f.tenant("globex", owner=outsider)
    assert _password_login(client, "gus@globex.test").status_code == 302


def test_password_reset_is_refused_for_members(client, acme, required, mailbox):
    mia = f.member(acme, "member", f.user("mia@acme.test"))
    assert accounts.request_password_reset("mia@acme.test") is False
    assert mailbox.messages == []
    # A link issued before the requirement does not work either.
    token = accounts.password_reset_token(mia)
    response = client.get(f"/reset-password/{token}")
    assert response.status_code == 403 and "requires single sign-on" in response.get_data(as_text=True)


def test_an_owner_breaks_glass_once_with_the_recovery_code(client, acme, required):
    response = _password_login(client, "olga@acme.test", recovery_code=required)
    assert response.status_code == 302
    event = AuditEvent.query.filter_by(action="security.sso_break_glass").one()
    assert event.tenant_id == acme.id and event.details["how"] == "recovery_code"
    # Spent: the same code does not work twice.
    other = client.application.test_client()
    again = _password_login(other, "olga@acme.test", recovery_code=required)
    assert again.status_code == 422 and "not valid" in again.get_data(as_text=True)


def test_a_member_cannot_use_a_recovery_code(client, acme, required):
    f.member(acme, "admin", f.user("adam@acme.test"))
    response = _password_login(client, "adam@acme.test", recovery_code=required)
    assert response.status_code == 422
    assert AuditEvent.query.filter_by(action="security.sso_break_glass").count() == 0


def test_a_platform_admin_lifts_the_requirement_with_a_reason(acme, required):
    with pytest.raises(PermissionDenied):
        enforcement.lift_requirement(acme, accounts_actor(), "please")
    enforcement.lift_requirement(acme, SYSTEM, "IdP outage, ticket 1234")
    assert acme.config.require_sso is False
    assert AuditEvent.query.filter_by(action="security.sso_break_glass").one().details["how"] == "platform_admin"


def accounts_actor():
    from app.services.audit import Actor

    return Actor(user_id=1, label="someone@acme.test")


def test_requiring_sso_needs_a_usable_connection_and_an_owner(acme):
    with pytest.raises(ValidationError):
        enforcement.set_require_sso(acme, True, SYSTEM)
    with pytest.raises(PermissionDenied):
        enforcement.set_require_sso(acme, False, Authority.member(SYSTEM, acme, "admin"))


def test_the_owner_requires_sso_in_the_portal_and_sees_the_code_once(client, as_user, acme, oidc_idp, oidc_client):
    client_id, secret = oidc_client
    connections.create_connection(acme, {"protocol": "oidc", "name": "Acme Login", "issuer": oidc_idp.issuer,
                                         "client_id": client_id, "client_secret": secret}, SYSTEM)
    as_user(acme.owner)
    token = csrf_token(client, "/t/acme/settings/sso")
    response = client.post("/t/acme/settings/sso/require", data={"csrf_token": token, "require_sso": "y"})
    assert response.status_code == 200
    assert 'data-testid="recovery-code"' in response.get_data(as_text=True)
    assert 'data-testid="recovery-code"' not in client.get("/t/acme/settings/sso").get_data(as_text=True)


def test_the_cli_lifts_the_requirement_with_a_reason(runner, acme, required):
    result = runner.invoke(args=["sso", "lift-requirement", "acme", "--reason", "IdP down, ticket 42"])
    assert result.exit_code == 0, result.output
    from app.extensions import db

    db.session.expire_all()
    assert acme.config.require_sso is False
    assert AuditEvent.query.filter_by(action="security.sso_break_glass", actor_label="cli").count() == 1
