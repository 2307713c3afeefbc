"""LDAP: bind as the user against a real slapd loaded from tests/sso/fixtures/directory.ldif."""

from __future__ import annotations

import pytest

from app.models import SsoIdentity, TenantUser, User, UserSession
from app.services import tenants
from app.services.errors import ValidationError
from app.services.sso import connections
from tests.conftest import csrf_token
from tests.sso.conftest import SYSTEM
from tests.sso.support import refusals


@pytest.fixture
def connection(acme, directory):
    return connections.create_connection(acme, {
        "protocol": "ldap", "name": "Acme Directory", "host": "127.0.0.1", "port": directory.port,
        "security": "plain", "base_dn": "dc=acme,dc=test", "user_dn_template": "uid={username},ou=people,dc=acme,dc=test",
        "group_roles": {"portal-admins": "admin"}}, SYSTEM)


def _sign_in(client, connection, username, password):
    path = f"/sso/ldap/{connection.id}"
    return client.post(path, data={"csrf_token": csrf_token(client, path), "username": username, "password": password})


def test_a_directory_user_signs_in_with_the_role_their_group_maps_to(client, acme, connection):
    response = _sign_in(client, connection, "lena", "lena-directory-password")
    assert response.status_code == 302 and response.location == "/t/acme/"
    lena = User.query.filter_by(email="lena@acme.test").one()
    assert lena.name == "Lena Ldap" and tenants.role_of(acme.id, lena.id) == "admin"
    # The one sign-in finish; a directory password is not a second factor.
    record = UserSession.query.filter_by(user_id=lena.id).one()
    assert (record.method, record.mfa, record.tenant_id) == ("ldap", False, acme.id)


def test_others_get_the_default_role(client, acme, connection):
    _sign_in(client, connection, "max", "max-directory-password")
    assert tenants.role_of(acme.id, User.query.filter_by(email="max@acme.test").one().id) == "member"


def test_a_wrong_password_is_refused_and_audited(client, connection):
    response = _sign_in(client, connection, "lena", "wrong-password")
    assert response.status_code == 422
    assert "match the directory" in response.get_data(as_text=True)
    assert User.query.filter_by(email="lena@acme.test").count() == 0
    assert refusals("ldap_invalid_credentials")


def test_an_empty_password_never_becomes_an_anonymous_bind(client, connection):
    from app.services.errors import SsoRefused
    from app.services.sso import ldap

    with pytest.raises(SsoRefused):
        ldap.authenticate(connection, "lena", "")
    assert _sign_in(client, connection, "lena", "").status_code == 422


def test_an_injection_in_the_username_does_not_bind_someone_else(client, connection):
    response = _sign_in(client, connection, "lena,ou=people,dc=acme,dc=test", "lena-directory-password")
    assert response.status_code == 422


def test_a_directory_entry_on_another_domain_is_not_provisioned(client, connection):
    response = _sign_in(client, connection, "outsider", "outsider-password")
    assert response.status_code == 400
    assert User.query.filter_by(email="oscar@globex.test").count() == 0


def test_removing_a_person_from_the_directory_refuses_them_and_deletes_nothing(client, acme, connection, directory):
    _sign_in(client, connection, "max", "max-directory-password")
    max_user = User.query.filter_by(email="max@acme.test").one()
    admin = directory.admin()
    entry = "uid=max,ou=people,dc=acme,dc=test"
    admin.search(entry, "(objectClass=*)", attributes=["*"])
    saved = admin.entries[0].entry_attributes_as_dict
    assert admin.delete(entry)
    try:
        again = _sign_in(client.application.test_client(), connection, "max", "max-directory-password")
        assert again.status_code == 422
        assert TenantUser.query.filter_by(tenant_id=acme.id, user_id=max_user.id).count() == 1
        assert SsoIdentity.query.filter_by(user_id=max_user.id).count() == 1
    finally:
        admin.add(entry, attributes={k: v for k, v in saved.items()})
        admin.unbind()


def test_plain_ldap_is_refused_off_loopback(acme):
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(acme, {"protocol": "ldap", "name": "D", "host": "ldap.acme.test",
                                             "security": "plain", "base_dn": "dc=acme,dc=test",
                                             "user_dn_template": "uid={username},dc=acme,dc=test"}, SYSTEM)
    assert "security" in refused.value.details["fields"]
