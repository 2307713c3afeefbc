"""OpenID Connect against a real provider (oidc-provider on 127.0.0.1): sign-in, just-in-time
provisioning, and every attack the issue lists, each refused and audited."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from app.extensions import db
from app.models import SsoConnection, SsoIdentity, TenantUser, User, UserSession
from app.services import plans, tenants
from app.services.errors import ValidationError
from app.services.sso import connections
from tests import factories as f
from tests.sso.conftest import SYSTEM
from tests.sso.support import callback_url, oidc_connection, oidc_sign_in, refusals


def _with_query(path: str, **changes) -> str:
    parts = urlsplit(path)
    query = dict(parse_qsl(parts.query))
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{parts.path}?{urlencode(query)}"


@pytest.fixture
def connection(acme, oidc_idp, oidc_client) -> SsoConnection:
    return oidc_connection(acme, oidc_idp.issuer, oidc_client)


def test_first_sign_in_creates_the_member_with_the_role_their_group_maps_to(client, acme, connection):
    response = oidc_sign_in(client, connection, "ann")
    assert response.status_code == 302 and response.location == "/t/acme/"
    ann = User.query.filter_by(email="ann@acme.test").one()
    assert ann.name == "Ann Admin" and ann.password_hash is None
    assert tenants.role_of(acme.id, ann.id) == "admin"
    assert SsoIdentity.query.filter_by(connection_id=connection.id, subject="ann").one().user_id == ann.id
    assert client.get("/t/acme/").status_code == 200
    # The one sign-in finish: a server-side session bound to the tenant, SSO counting as a second factor.
    record = UserSession.query.filter_by(user_id=ann.id).one()
    assert (record.method, record.mfa, record.tenant_id) == ("oidc", True, acme.id)


def test_people_in_no_mapped_group_get_the_default_role(client, acme, connection):
    oidc_sign_in(client, connection, "bob")
    bob = User.query.filter_by(email="bob@acme.test").one()
    assert tenants.role_of(acme.id, bob.id) == "member"


def test_an_email_changed_at_the_idp_keeps_the_same_account(client, acme, connection, oidc_idp):
    oidc_sign_in(client, connection, "bob")
    oidc_idp.set_account("bob", {"email": "robert@acme.test", "name": "Robert Builder", "groups": []})
    try:
        client.post("/logout", data={})
        response = oidc_sign_in(client.application.test_client(), connection, "bob")
    finally:
        oidc_idp.set_account("bob", {"email": "bob@acme.test", "name": "Bob Builder", "groups": []})
    assert response.status_code == 302
    db.session.expire_all()
    assert User.query.filter(User.email.in_(["bob@acme.test", "robert@acme.test"])).count() == 1
    assert SsoIdentity.query.filter_by(subject="bob").one().email == "robert@acme.test"


def test_an_existing_password_account_on_a_verified_domain_is_linked_not_duplicated(client, acme, connection):
    existing = f.user("bob@acme.test", name="Bob")
    oidc_sign_in(client, connection, "bob")
    assert SsoIdentity.query.filter_by(subject="bob").one().user_id == existing.id
    assert User.query.filter_by(email="bob@acme.test").count() == 1


def test_an_unverified_account_claimed_through_sso_loses_the_squatters_password(client, acme, connection):
    """Issue 9, finding 2: whoever signed up as bob@acme.test first never proved the address; the
    IdP now vouches for the real Bob, so the account is his and the squatter's password stops."""
    from app.services import accounts

    squatter = f.user("bob@acme.test", name="Not Bob", verified=False)
    oidc_sign_in(client, connection, "bob")
    db.session.expire_all()
    bob = db.session.get(User, squatter.id)
    assert bob.is_email_verified and bob.password_hash is None
    assert accounts.authenticate("bob@acme.test", f.PASSWORD) is None
    assert SsoIdentity.query.filter_by(subject="bob").one().user_id == squatter.id


def test_an_idp_cannot_claim_an_account_on_another_tenants_domain(client, acme, globex, connection):
    gus_like = f.user("eve@globex.test", name="Eve of Globex")
    response = oidc_sign_in(client, connection, "eve")
    assert response.status_code == 400
    assert "not on a domain Acme has verified" in response.get_data(as_text=True)
    assert tenants.role_of(acme.id, gus_like.id) is None
    assert SsoIdentity.query.count() == 0
    assert refusals("sso_domain_not_verified")


def test_a_connection_of_one_tenant_cannot_sign_people_into_a_domain_another_verified(client, acme, globex, oidc_idp,
                                                                                      oidc_client):
    # Globex's admin points a connection at an IdP that asserts Acme addresses: nobody gets in.
    rogue = oidc_connection(globex, oidc_idp.issuer, oidc_client, name="Rogue")
    response = oidc_sign_in(client, rogue, "ann")
    assert response.status_code == 400
    assert User.query.filter_by(email="ann@acme.test").count() == 0
    assert refusals("sso_domain_not_verified")[0].tenant_id == globex.id


def test_a_full_users_quota_refuses_with_the_limit_and_creates_nothing(client, acme, connection):
    # Back on Free after the connection was made: sign-in still works (members are not locked out),
    # and Free's seat limit applies to it.
    plans.change_plan(acme, "free", SYSTEM)
    for _ in range(4):
        f.member(acme)  # owner + 4 = the Free plan's 5 users
    response = oidc_sign_in(client, connection, "ann")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "allows 5 users" in page and "Acme" in page
    assert User.query.filter_by(email="ann@acme.test").count() == 0
    assert SsoIdentity.query.count() == 0


def test_sign_in_into_a_suspended_tenant_shows_the_suspended_page(client, acme, connection):
    path = callback_url(client, connection, "ann")
    tenants.suspend(acme, "Unpaid invoices", SYSTEM)
    response = client.get(path)
    assert response.status_code == 403
    assert "suspended" in response.get_data(as_text=True)
    assert User.query.filter_by(email="ann@acme.test").count() == 0
    assert refusals("tenant_suspended")
    # Starting a new one is refused at once too.
    assert client.get(f"/sso/start/{connection.id}").status_code == 403


def test_state_mismatch_is_refused(client, connection):
    response = client.get(_with_query(callback_url(client, connection, "ann"), state="forged-state"))
    assert response.status_code == 400
    assert User.query.filter_by(email="ann@acme.test").count() == 0
    assert refusals("oidc_state_mismatch")


def test_a_callback_from_another_browser_is_refused(client, connection):
    # Login CSRF: the victim's browser never started this sign-in.
    path = callback_url(client, connection, "ann")
    victim = client.application.test_client()
    assert victim.get(path).status_code == 400
    assert refusals("oidc_state_mismatch")


def test_a_replayed_callback_is_refused(client, connection):
    path = callback_url(client, connection, "ann")
    assert client.get(path).status_code == 302
    replay = client.get(path)
    assert replay.status_code == 400
    assert refusals("oidc_state_mismatch")


def test_iss_of_another_provider_is_refused(client, connection):
    response = client.get(_with_query(callback_url(client, connection, "ann"), iss="https://evil-idp.example"))
    assert response.status_code == 400
    assert refusals("oidc_issuer_mixup")


def test_a_missing_iss_is_refused_when_the_provider_always_sends_it(client, connection):
    response = client.get(_with_query(callback_url(client, connection, "ann"), iss=None))
    assert response.status_code == 400
    assert refusals("oidc_issuer_mixup")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_next_never_leaves_the_portal(client, connection, target):
    response = oidc_sign_in(client, connection, "ann", next_path=target)
    assert response.status_code == 302 and response.location == "/t/acme/"


def test_next_on_the_portal_is_followed(client, connection):
    response = oidc_sign_in(client, connection, "ann", next_path="/t/acme/members")
    assert response.location == "/t/acme/members"


def test_the_client_secret_is_encrypted_at_rest_and_never_shown_again(client, as_user, acme, connection, oidc_client):
    _, secret = oidc_client
    stored = db.session.get(SsoConnection, connection.id).secret_ciphertext
    assert secret not in stored and connections.client_secret(connection) == secret
    as_user(acme.owner)
    page = client.get(f"/t/acme/settings/sso/{connection.id}").get_data(as_text=True)
    assert secret not in page and "http://portal.test/sso/oidc/callback" in page


@pytest.mark.parametrize("issuer", ["http://idp.example.com", "ftp://idp.example.com", "idp.example.com"])
def test_an_http_issuer_is_refused_off_loopback(acme, issuer):
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(acme, {"protocol": "oidc", "name": "X", "issuer": issuer, "client_id": "c",
                                             "client_secret": "s"}, SYSTEM)
    assert "issuer" in refused.value.details["fields"]


def test_every_field_error_at_once(acme):
    with pytest.raises(ValidationError) as refused:
        connections.create_connection(acme, {"protocol": "oidc", "default_role": "owner",
                                             "group_roles": "admins = owner"}, SYSTEM)
    assert set(refused.value.details["fields"]) == {"name", "issuer", "client_id", "client_secret", "default_role",
                                                    "group_roles"}


def test_a_switched_off_connection_refuses(client, acme, connection):
    connections.update_connection(acme, connection.id, {"status": "disabled"}, SYSTEM)
    assert client.get(f"/sso/start/{connection.id}").status_code == 400
    assert refusals("sso_connection_disabled")


def test_the_login_page_offers_the_connection_for_a_verified_domain_only(client, acme, connection):
    offered = client.get("/login/sso-options?email=someone@acme.test").get_data(as_text=True)
    assert "Continue with Acme Login" in offered and f"/sso/start/{connection.id}" in offered
    assert "Continue with" not in client.get("/login/sso-options?email=someone@elsewhere.test").get_data(as_text=True)


def test_the_direct_link_starts_the_only_connection(client, acme, connection):
    response = client.get("/sso/acme")
    assert response.status_code == 302 and response.location.startswith(f"/sso/start/{connection.id}")


def test_membership_removed_in_the_portal_comes_back_on_the_next_sso_sign_in_with_data_intact(client, acme, connection):
    oidc_sign_in(client, connection, "bob")
    bob = User.query.filter_by(email="bob@acme.test").one()
    assert TenantUser.query.filter_by(tenant_id=acme.id, user_id=bob.id).count() == 1
