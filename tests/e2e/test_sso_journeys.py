"""Single sign-on in a real browser, end to end against the real providers of tests/sso/:
an owner verifies the domain and configures the connection in the portal, then a colleague signs
in through the IdP's own login page and lands on the dashboard with the mapped role.

Screenshots go to tests/e2e/artifacts/; with UPDATE_DOC_SCREENSHOTS=1 the ones docs/sso.md shows
are written to docs/img/ as well.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from app.models import User
from app.services import tenants
from app.services.sso import connections
from tests import factories as f
from tests.e2e.conftest import ARTIFACTS, check_page
from tests.live import served_portal
from tests.sso.conftest import (  # noqa: F401  (session-scoped providers, shared with tests/sso)
    SYSTEM,
    _dns_server,
    directory,
    oidc_idp,
    saml_idp,
    verify_domain,
)

DOCS_IMG = Path(__file__).resolve().parent.parent.parent / "docs" / "img"
# The screenshots docs/sso.md shows (the others stay in tests/e2e/artifacts/).
DOC_SHOTS = {"sso-settings", "sso-domains", "sso-new-oidc", "sso-login", "sso-ldap-phone"}
OFF_MACHINE = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")


@pytest.fixture
def sso_server(app, database_url, _dns_server):
    """The portal on a free port, asking the test DNS server."""
    with served_portal(database_url, DNS_RESOLVER=_dns_server.address) as url:
        yield url


@pytest.fixture
def open_page(browser, sso_server):
    contexts = []

    def make(width: int = 1440, height: int = 900):
        context = browser.new_context(base_url=sso_server, viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        # The IdPs' pages may name web fonts elsewhere: nothing leaves this machine.
        context.route(OFF_MACHINE, lambda route: route.abort())
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _shot(page, name: str) -> None:
    check_page(page, name)
    path = ARTIFACTS / f"{name}.png"
    if os.environ.get("UPDATE_DOC_SCREENSHOTS") == "1" and name in DOC_SHOTS:
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_IMG / f"{name}.png")


def _password_sign_in(page, email: str) -> None:
    page.goto("/login")
    # Typing the address asks for its "Continue with ..." buttons, which appear above the password field
    # and move the Sign in button down: wait for that answer before clicking (under load the click
    # landed while the form moved, and no sign-in was sent).
    with page.expect_response(lambda r: "/login/sso-options" in r.url):
        page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(f.PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_owner_sets_up_oidc_and_a_colleague_signs_in_through_the_idp(open_page, sso_server, oidc_idp, _dns_server):
    acme = f.tenant("acme", plan="pro", owner=f.user("olga@acme.test", name="Olga Owner"), name="Acme")
    client_id, secret = oidc_idp.register_client(f"{sso_server}/sso/oidc/callback")
    page = open_page()
    _password_sign_in(page, "olga@acme.test")
    page.wait_for_url("**/t/acme/")

    # 1. The domain, verified over DNS.
    page.goto("/t/acme/settings/domains")
    page.get_by_label("Domain").fill("acme.test")
    page.get_by_role("button", name="Add domain").click()
    value = page.get_by_test_id("txt-value").inner_text()
    _shot(page, "sso-domains")
    _dns_server.set("_tenantry-challenge.acme.test", value)
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("acme.test is verified.").wait_for()

    # 2. The connection, from the settings page.
    page.goto("/t/acme/settings/sso")
    page.get_by_role("link", name="OpenID Connect").click()
    assert page.get_by_test_id("value-redirect_uri").inner_text() == f"{sso_server}/sso/oidc/callback"
    page.get_by_label("Name").fill("Acme Login")
    page.get_by_label("Issuer URL").fill(oidc_idp.issuer)
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client secret").fill(secret)
    page.get_by_label("Group to role mapping").fill("portal-admins = admin")
    _shot(page, "sso-new-oidc")
    page.get_by_role("button", name="Add connection").click()
    page.get_by_text("Register at your identity provider").wait_for()
    assert secret not in page.content()
    page.goto("/t/acme/settings/sso")
    _shot(page, "sso-settings")

    # 3. A colleague: email first, "Continue with Acme Login", the IdP's own page, the dashboard.
    colleague = open_page()
    colleague.goto("/login")
    colleague.get_by_label("Email").fill("ann@acme.test")
    colleague.get_by_role("link", name="Continue with Acme Login").wait_for()
    _shot(colleague, "sso-login")
    colleague.get_by_role("link", name="Continue with Acme Login").click()
    colleague.wait_for_url(f"{oidc_idp.issuer}/**")
    colleague.locator("input[name=login]").fill("ann")
    colleague.locator("input[name=password]").fill("whatever")
    colleague.get_by_role("button", name="Sign-in").click()
    colleague.wait_for_url(f"{sso_server}/t/acme/")
    assert "Acme" in colleague.content()
    ann = User.query.filter_by(email="ann@acme.test").one()
    assert tenants.role_of(acme.id, ann.id) == "admin"


def test_ldap_sign_in_in_the_browser(open_page, directory, _dns_server):
    acme = f.tenant("acme", plan="pro", owner=f.user("olga@acme.test"), name="Acme")
    verify_domain(acme, "acme.test", _dns_server)
    connections.create_connection(acme, {
        "protocol": "ldap", "name": "Acme Directory", "host": "127.0.0.1", "port": directory.port,
        "security": "plain", "base_dn": "dc=acme,dc=test", "user_dn_template": "uid={username},ou=people,dc=acme,dc=test",
        "group_roles": {"portal-admins": "admin"}}, SYSTEM)
    page = open_page(390, 844)
    page.goto("/sso/acme")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill("lena-directory-password")
    _shot(page, "sso-ldap-phone")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/t/acme/")
    assert tenants.role_of(acme.id, User.query.filter_by(email="lena@acme.test").one().id) == "admin"


def test_saml_sign_in_in_the_browser(open_page, sso_server, saml_idp, _dns_server):
    import requests

    acme = f.tenant("acme", plan="pro", owner=f.user("olga@acme.test"), name="Acme")
    verify_domain(acme, "acme.test", _dns_server)
    connection = connections.create_connection(acme, {
        "protocol": "saml", "name": "Acme SAML", "idp_metadata_url": f"{saml_idp.base}/metadata"}, SYSTEM)
    saml_idp.trust(requests.get(f"{sso_server}/sso/saml/{connection.id}/metadata", timeout=10).text)
    page = open_page()
    page.goto("/login")
    page.get_by_label("Email").fill("sue@acme.test")
    page.get_by_role("link", name="Continue with Acme SAML").click()
    page.wait_for_url(f"{saml_idp.base}/**")
    page.get_by_label("Username").fill("sue")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{sso_server}/t/acme/")
    assert tenants.role_of(acme.id, User.query.filter_by(email="sue@acme.test").one().id) == "member"


def test_sso_settings_pages_fit_a_phone(open_page, oidc_idp, _dns_server):
    acme = f.tenant("acme", plan="pro", owner=f.user("olga@acme.test"), name="Acme")
    verify_domain(acme, "acme.test", _dns_server)
    connection = connections.create_connection(acme, {
        "protocol": "oidc", "name": "Acme Login", "issuer": oidc_idp.issuer, "client_id": "c",
        "client_secret": "s"}, SYSTEM)
    page = open_page(390, 844)
    _password_sign_in(page, "olga@acme.test")
    page.wait_for_url("**/t/acme/")
    for path, name in (("/t/acme/settings/sso", "sso-settings-phone"), ("/t/acme/settings/domains", "sso-domains-phone"),
                       (f"/t/acme/settings/sso/{connection.id}", "sso-connection-phone")):
        page.goto(path)
        _shot(page, name)
