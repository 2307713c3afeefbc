"""Settings → Single sign-on and Domains: who may open them, what another tenant can reach (nothing)."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import SsoConnection
from app.services import domains
from app.services.sso import connections
from tests import factories as f
from tests.conftest import csrf_token
from tests.sso.conftest import SYSTEM

PAGES = {"/t/acme/settings/sso": "admin", "/t/acme/settings/sso/new/oidc": "admin",
         "/t/acme/settings/sso/new/saml": "admin", "/t/acme/settings/sso/new/ldap": "admin",
         "/t/acme/settings/domains": "owner"}
RANK = {"viewer": 1, "member": 2, "admin": 3, "owner": 4}


@pytest.fixture
def people(acme):
    return {"owner": acme.owner, "admin": f.member(acme, "admin"), "member": f.member(acme, "member"),
            "viewer": f.member(acme, "viewer")}


def _ldap(tenant, name="Directory"):
    return connections.create_connection(tenant, {
        "protocol": "ldap", "name": name, "host": "127.0.0.1", "port": 389, "security": "plain",
        "base_dn": "dc=x,dc=test", "user_dn_template": "uid={username},dc=x,dc=test"}, SYSTEM)


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ["owner", "admin", "member", "viewer"])
def test_each_role_opens_exactly_the_pages_it_may(client, as_user, people, path, role):
    as_user(people[role])
    assert client.get(path).status_code == (200 if RANK[role] >= RANK[PAGES[path]] else 403)


@pytest.mark.parametrize("path", PAGES)
def test_another_tenants_owner_gets_404(client, as_user, acme, globex, path):
    as_user(globex.owner)
    response = client.get(path)
    assert response.status_code == 404 and "Acme" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_or_style_and_every_input_has_a_label(client, as_user, acme, path):
    as_user(acme.owner)
    html = client.get(path).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and " style=" not in html
    for tag, input_id in re.findall(r'(<(?:input|select|textarea)[^>]*\bid="([^"]+)"[^>]*>)', html):
        if 'type="hidden"' not in tag:
            assert f'for="{input_id}"' in html or "aria-label=" in tag, input_id


def test_another_tenant_cannot_read_or_change_a_connection_by_its_id(client, as_user, acme, globex):
    theirs = _ldap(acme, "Acme Directory")
    as_user(globex.owner)
    token = csrf_token(client, "/t/globex/settings/sso")
    assert client.get(f"/t/globex/settings/sso/{theirs.id}").status_code == 404
    assert client.get(f"/t/acme/settings/sso/{theirs.id}").status_code == 404
    for action, data in (("", {"name": "Hijacked"}), ("/status", {"status": "disabled"}), ("/delete", {})):
        response = client.post(f"/t/globex/settings/sso/{theirs.id}{action}", data={"csrf_token": token, **data})
        assert response.status_code == 404, action
    db.session.expire_all()
    kept = db.session.get(SsoConnection, theirs.id)
    assert (kept.name, kept.status) == ("Acme Directory", "active")


def test_another_tenant_cannot_verify_or_switch_a_domain_by_its_id(client, as_user, acme, globex):
    claimed = domains.list_domains(acme)[0]
    as_user(globex.owner)
    token = csrf_token(client, "/t/globex/settings/domains")
    for action in ("verify", "auto-join", "delete"):
        response = client.post(f"/t/globex/settings/domains/{claimed.id}/{action}",
                               data={"csrf_token": token, "auto_join": "on"})
        assert response.status_code == 404, action
    db.session.expire_all()
    assert domains.get_domain(acme, claimed.id).auto_join is False


def test_adding_a_connection_shows_every_field_error_and_saves_nothing(client, as_user, acme):
    as_user(acme.owner)
    token = csrf_token(client, "/t/acme/settings/sso/new/ldap")
    response = client.post("/t/acme/settings/sso/new/ldap", data={
        "csrf_token": token, "name": "Dir", "host": "ldap.acme.test", "security": "plain", "base_dn": "nonsense",
        "user_dn_template": "uid=x", "default_role": "member", "group_roles": "admins = owner"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Unencrypted LDAP", "The base DN is required", "must contain {username}", "role must be one of"):
        assert message in page, message
    assert connections.list_connections(acme) == []


def test_an_admin_adds_an_oidc_connection_and_sees_what_to_register(client, as_user, acme, people):
    as_user(people["admin"])
    page = client.get("/t/acme/settings/sso/new/oidc").get_data(as_text=True)
    assert "http://portal.test/sso/oidc/callback" in page
    token = csrf_token(client, "/t/acme/settings/sso/new/oidc")
    response = client.post("/t/acme/settings/sso/new/oidc", data={
        "csrf_token": token, "name": "Google", "preset": "google", "client_id": "abc.apps.googleusercontent.com",
        "client_secret": "GOCSPX-secret-value", "default_role": "member", "group_roles": ""})
    assert response.status_code == 302
    created = connections.list_connections(acme)[0]
    assert created.settings["issuer"] == "https://accounts.google.com"
    edit = client.get(response.location).get_data(as_text=True)
    assert "GOCSPX-secret-value" not in edit and "Register at your identity provider" in edit


def test_an_admin_cannot_require_sso_only_an_owner_can(client, as_user, acme, people):
    _ldap(acme)
    as_user(people["admin"])
    token = csrf_token(client, "/t/acme/settings/sso")
    response = client.post("/t/acme/settings/sso/require", data={"csrf_token": token, "require_sso": "y"})
    assert response.status_code == 403
    db.session.expire_all()
    assert acme.config.require_sso is False


def test_a_platform_switch_off_cannot_be_undone_by_the_tenant(client, as_user, acme):
    connection = _ldap(acme)
    connections.set_platform_disabled(connection, True, SYSTEM)
    as_user(acme.owner)
    token = csrf_token(client, "/t/acme/settings/sso")
    client.post(f"/t/acme/settings/sso/{connection.id}/status", data={"csrf_token": token, "status": "active"})
    db.session.expire_all()
    assert db.session.get(SsoConnection, connection.id).is_usable is False
