"""API keys: create (the secret shown once), list with last use, revoke."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import ApiKey
from app.services import api_keys
from tests import factories as f
from tests.web.conftest import post


def test_admin_creates_a_key_and_sees_the_secret_once(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/keys", {"name": "CI pipeline", "role": "member"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-key-secret">(sk_[^<]+)<', html).group(1)
    assert 'data-copy-target="#new-key-secret"' in html
    key = api_keys.authenticate_key(secret)
    assert key.tenant_id == org.tenant.id and key.role == "member" and key.name == "CI pipeline"
    assert secret not in client.get("/t/acme/keys").get_data(as_text=True)


def test_htmx_create_answers_the_keys_block(client, as_user, org):
    as_user(org.admin)
    html = post(client, "/t/acme/keys", {"name": "CI", "role": "viewer"}, htmx=True).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="keys"') and "<html" not in html and "sk_" in html


def test_key_list_shows_when_each_key_was_last_used(client, as_user, org):
    secret = f.api_key(org.tenant, name="nightly export")
    f.api_key(org.tenant, name="unused")
    api_keys.authenticate_key(secret)
    as_user(org.admin)
    html = client.get("/t/acme/keys").get_data(as_text=True)
    rows = html.split('data-testid="key-row"')[1:]
    used = next(r for r in rows if "nightly export" in r)
    unused = next(r for r in rows if "unused" in r)
    assert "Never" in unused and "Never" not in used


def test_a_key_without_a_name_re_renders_the_form(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/keys", {"name": "", "role": "viewer"})
    assert response.status_code == 422 and "This field is required" in response.get_data(as_text=True)


def test_admin_cannot_mint_an_owner_key(client, as_user, org):
    as_user(org.admin)
    response = post(client, "/t/acme/keys", {"name": "root", "role": "owner"})
    assert response.status_code == 422
    assert db.session.query(ApiKey).count() == 0


def test_revoke_stops_the_key(client, as_user, org):
    secret = f.api_key(org.tenant, name="old")
    key_id = api_keys.authenticate_key(secret).id
    as_user(org.admin)
    response = post(client, f"/t/acme/keys/{key_id}/revoke", htmx=True)
    assert "The key old was revoked." in response.get_data(as_text=True)
    db.session.expire_all()
    assert api_keys.authenticate_key(secret) is None


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_manage_keys(client, as_user, org, role):
    as_user(org.user(role))
    assert post(client, "/t/acme/keys", {"name": "x", "role": "viewer"}).status_code == 403


def test_another_tenant_cannot_see_or_revoke_acmes_keys(client, as_user, org, other_org):
    secret = f.api_key(org.tenant, name="acme key")
    key_id = api_keys.authenticate_key(secret).id
    as_user(other_org.owner)
    assert post(client, f"/t/acme/keys/{key_id}/revoke").status_code == 404
    assert post(client, f"/t/globex/keys/{key_id}/revoke").status_code == 404
    assert "acme key" not in client.get("/t/globex/keys").get_data(as_text=True)
    db.session.expire_all()
    assert api_keys.authenticate_key(secret) is not None


def test_key_creation_without_csrf_token_is_refused(client, as_user, org):
    as_user(org.admin)
    assert client.post("/t/acme/keys", data={"name": "x", "role": "viewer"}).status_code == 400


# --- Issue 9, finding 3: keys hang on their maker; owners take them over -----------------------

def _admins_key(org) -> tuple[ApiKey, str]:
    from app.services.audit import Actor
    from app.services.authority import Authority

    return api_keys.create_key(org.tenant, "admin's bot", "member",
                               Authority.member(Actor.for_user(org.admin), org.tenant, "admin"))


def test_owner_takes_over_a_key_on_the_keys_page_so_it_survives_its_maker(client, as_user, org):
    key, secret = _admins_key(org)
    as_user(org.owner)
    page = client.get("/t/acme/keys").get_data(as_text=True)
    assert "Works while admin@acme.test is a member" in page and "Take over" in page
    response = post(client, f"/t/acme/keys/{key.id}/reown", {}, htmx=True)
    assert response.status_code == 200
    assert "Works while owner@acme.test is a member" in response.get_data(as_text=True)
    post(client, f"/t/acme/members/{org.admin.id}/remove", {})
    assert api_keys.authenticate_key(secret) is not None


def test_a_key_not_taken_over_is_revoked_with_its_makers_membership(client, as_user, org):
    _key, secret = _admins_key(org)
    as_user(org.owner)
    post(client, f"/t/acme/members/{org.admin.id}/remove", {})
    assert api_keys.authenticate_key(secret) is None


def test_admins_are_not_offered_and_cannot_take_keys_over(client, as_user, org):
    key, _secret = _admins_key(org)
    as_user(org.admin)
    assert "Take over" not in client.get("/t/acme/keys").get_data(as_text=True)
    assert post(client, f"/t/acme/keys/{key.id}/reown", {}).status_code == 403
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).owned_by_id == org.admin.id


def test_another_tenants_owner_cannot_take_over_acmes_key(client, as_user, org, other_org):
    key, _secret = _admins_key(org)
    as_user(other_org.owner)
    assert post(client, f"/t/acme/keys/{key.id}/reown", {}).status_code == 404
    assert post(client, f"/t/globex/keys/{key.id}/reown", {}).status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).owned_by_id == org.admin.id


def test_a_key_made_in_the_portal_expires_in_90_days_by_default_and_says_when(client, as_user, org, clock):
    from datetime import UTC, datetime

    traveller = clock(datetime(2026, 12, 31, 23, 59, tzinfo=UTC))
    as_user(org.admin)
    html = post(client, "/t/acme/keys", {"name": "Nightly", "role": "viewer", "expires": "90"}).get_data(as_text=True)
    assert "sk_" in html
    [key] = [k for k in api_keys.list_keys(org.tenant) if k.name == "Nightly"]
    assert key.expires_at == datetime(2027, 3, 31, 23, 59, tzinfo=UTC)
    traveller.move_to(datetime(2027, 4, 1, tzinfo=UTC))
    as_user(org.admin)
    row = next(r for r in client.get("/t/acme/keys").get_data(as_text=True).split('data-testid="key-row"')[1:]
               if "Nightly" in r)
    assert "Expired" in row


def test_a_second_key_with_the_same_name_is_a_form_error(client, as_user, org):
    as_user(org.admin)
    assert post(client, "/t/acme/keys", {"name": "CI", "role": "viewer", "expires": ""}).status_code == 200
    again = post(client, "/t/acme/keys", {"name": "ci", "role": "viewer", "expires": ""})
    assert again.status_code == 422 and "A key named ci already exists" in again.get_data(as_text=True)
