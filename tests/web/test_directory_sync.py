"""The directory sync page: owners create SCIM tokens (shown once), revoke them, see the base URL and
map provisioned groups to roles; nobody else, and no other tenant, can."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.models import ScimGroup, ScimToken
from app.services import plans
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.directory import provisioning, tokens
from app.services.directory.provisioning import GroupRecord
from tests import factories as f
from tests.web.conftest import post


@pytest.fixture(autouse=True)
def _professional(org, other_org) -> None:
    """Directory sync (SCIM) is included from the Professional plan."""
    for tenant in (org.tenant, other_org.tenant):
        plans.change_plan(tenant, "pro", f.SYSTEM)


def _group(org, name="Engineering") -> ScimGroup:
    token, _ = tokens.create_token(org.tenant, "Okta", Authority.member(Actor.for_user(org.owner), org.tenant, "owner"))
    return provisioning.create_group(org.tenant, GroupRecord(display_name=name), tokens.actor_for(token))


def test_owner_creates_a_token_sees_it_once_with_the_base_url(client, as_user, org):
    as_user(org.owner)
    page = client.get("/t/acme/settings/directory").get_data(as_text=True)
    assert "http://localhost/scim/v2/acme" in page and "Directory sync" in page
    response = post(client, "/t/acme/settings/directory/tokens", {"name": "Entra ID"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="new-scim-secret">(scim_[^<]+)<', html).group(1)
    assert tokens.authenticate(org.tenant, secret).name == "Entra ID"
    later = client.get("/t/acme/settings/directory").get_data(as_text=True)
    assert secret not in later and "Entra ID" in later


def test_a_token_without_a_name_re_renders_the_form_and_creates_nothing(client, as_user, org):
    as_user(org.owner)
    response = post(client, "/t/acme/settings/directory/tokens", {"name": ""})
    assert response.status_code == 422 and "is-invalid" in response.get_data(as_text=True)
    assert db.session.query(ScimToken).count() == 0


def test_revoking_stops_the_token(client, as_user, org):
    token, secret = tokens.create_token(org.tenant, "Okta",
                                        Authority.member(Actor.for_user(org.owner), org.tenant, "owner"))
    as_user(org.owner)
    response = post(client, f"/t/acme/settings/directory/tokens/{token.id}/revoke", htmx=True)
    assert "The SCIM token Okta was revoked." in response.get_data(as_text=True)
    db.session.expire_all()
    assert tokens.authenticate(org.tenant, secret) is None


def test_owner_maps_a_group_to_a_role(client, as_user, org):
    group = _group(org)
    as_user(org.owner)
    assert "Engineering" in client.get("/t/acme/settings/directory").get_data(as_text=True)
    response = post(client, f"/t/acme/settings/directory/groups/{group.id}/role", {"role": "admin"}, htmx=True)
    assert response.status_code == 200 and "Members of Engineering are now Admin." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ScimGroup, group.id).role == "admin"
    refused = post(client, f"/t/acme/settings/directory/groups/{group.id}/role", {"role": "owner"})
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(ScimGroup, group.id).role == "admin"


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_only_owners_reach_directory_sync(client, as_user, org, role):
    as_user(org.user(role))
    assert client.get("/t/acme/settings/directory").status_code == 403
    assert post(client, "/t/acme/settings/directory/tokens", {"name": "x"}).status_code == 403
    assert db.session.query(ScimToken).count() == 0


def test_another_tenant_cannot_see_revoke_or_map_acmes(client, as_user, org, other_org):
    token, secret = tokens.create_token(org.tenant, "Acme Okta",
                                        Authority.member(Actor.for_user(org.owner), org.tenant, "owner"))
    group = _group(org)
    as_user(other_org.owner)
    assert client.get("/t/acme/settings/directory").status_code == 404
    assert post(client, f"/t/acme/settings/directory/tokens/{token.id}/revoke").status_code == 404
    assert post(client, f"/t/globex/settings/directory/tokens/{token.id}/revoke").status_code == 404
    assert post(client, f"/t/globex/settings/directory/groups/{group.id}/role", {"role": "admin"}).status_code == 404
    page = client.get("/t/globex/settings/directory").get_data(as_text=True)
    assert "Acme Okta" not in page and "Engineering" not in page
    db.session.expire_all()
    assert tokens.authenticate(org.tenant, secret) is not None and db.session.get(ScimGroup, group.id).role is None


def test_token_creation_without_csrf_is_refused(client, as_user, org):
    as_user(org.owner)
    assert client.post("/t/acme/settings/directory/tokens", data={"name": "x"}).status_code == 400
    assert db.session.query(ScimToken).count() == 0
