"""SCIM tokens over the API (owners only, shown once, hashed, tenant-bound) and a user's own /me."""

from __future__ import annotations

from app.api.tokens import issue_token
from app.extensions import db
from app.models import AuditEvent, ScimToken
from app.services import sessions
from app.services.directory.tokens import hash_secret
from tests import factories
from tests.api.conftest import bearer


def test_an_owner_creates_a_scim_token_shown_once_and_stored_as_a_hash(world, api):
    created = api.post("/api/v1/tenants/acme/scim-tokens", headers=world.headers("owner"), json={"name": "Entra ID"})
    assert created.status_code == 201
    body = created.get_json()
    secret = body["secret"]
    assert secret.startswith("scim_") and body["prefix"] == secret[:12]
    assert body["base_url"] == "http://localhost/scim/v2/acme"
    db.session.expire_all()
    stored = db.session.get(ScimToken, body["id"])
    assert stored.token_hash == hash_secret(secret) and secret not in str(vars(stored))
    listed = api.get("/api/v1/tenants/acme/scim-tokens", headers=world.headers("owner")).get_json()
    assert [t["name"] for t in listed["items"]] == ["Entra ID"] and "secret" not in str(listed)
    event = db.session.query(AuditEvent).filter_by(action="scim_token.created").one()
    assert event.tenant_id == world.tenant.id and event.actor_label == "api-key:owner key"


def test_only_owners_manage_scim_tokens(world, api):
    for who in ("admin", "member", "viewer"):
        response = api.post("/api/v1/tenants/acme/scim-tokens", headers=world.headers(who), json={"name": "x"})
        assert response.status_code == 403, who
        assert api.get("/api/v1/tenants/acme/scim-tokens", headers=world.headers(who)).status_code == 403, who
    assert db.session.query(ScimToken).count() == 0


def test_bad_input_gets_every_error_and_creates_nothing(world, api):
    blank = api.post("/api/v1/tenants/acme/scim-tokens", headers=world.headers("owner"), json={"name": "  "})
    assert blank.status_code == 422 and "name" in blank.get_json()["error"]["details"]["fields"]
    unknown = api.post("/api/v1/tenants/acme/scim-tokens", headers=world.headers("owner"),
                       json={"name": "ok", "scope": "all"})
    assert unknown.status_code == 400
    assert db.session.query(ScimToken).count() == 0


def test_another_tenant_cannot_list_create_or_revoke_this_tenants_tokens(world, api):
    created = api.post("/api/v1/tenants/acme/scim-tokens", headers=world.headers("owner"), json={"name": "Okta"})
    token_id = created.get_json()["id"]
    other = world.headers("other")
    assert api.get("/api/v1/tenants/acme/scim-tokens", headers=other).status_code == 404
    assert api.delete(f"/api/v1/tenants/acme/scim-tokens/{token_id}", headers=other).status_code == 404
    assert api.post("/api/v1/tenants/acme/scim-tokens", headers=other, json={"name": "x"}).status_code == 404
    # Globex's owner, in Globex's own URL, does not find Acme's token either.
    assert api.delete(f"/api/v1/tenants/globex/scim-tokens/{token_id}", headers=other).status_code == 404
    db.session.expire_all()
    assert db.session.get(ScimToken, token_id).revoked_at is None


def test_a_revoked_token_leaves_the_list(world, api):
    token_id = api.post("/api/v1/tenants/acme/scim-tokens", headers=world.headers("owner"),
                        json={"name": "Okta"}).get_json()["id"]
    revoked = api.delete(f"/api/v1/tenants/acme/scim-tokens/{token_id}", headers=world.headers("owner"))
    assert revoked.status_code == 200 and revoked.get_json()["revoked_at"]
    assert api.get("/api/v1/tenants/acme/scim-tokens", headers=world.headers("owner")).get_json()["items"] == []
    assert api.delete("/api/v1/tenants/acme/scim-tokens/999999", headers=world.headers("owner")).status_code == 404
    assert api.delete("/api/v1/tenants/acme/scim-tokens/abc", headers=world.headers("owner")).status_code == 404


def test_me_answers_for_the_users_own_token_with_memberships_and_sessions(world, api):
    owner = world.users["owner"]
    factories.member(world.other, "viewer", owner)
    sessions.start(owner, method="password", ip="203.0.113.9",
                   user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
    db.session.commit()
    token, _ = issue_token(owner)
    me = api.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200
    body = me.get_json()
    assert body["email"] == "owner@acme.test" and body["two_factor_enabled"] is False
    assert {(m["slug"], m["role"]) for m in body["memberships"]} == {("acme", "owner"), ("globex", "viewer")}
    listed = api.get("/api/v1/me/sessions", headers=bearer(token)).get_json()["items"]
    assert len(listed) == 1 and listed[0]["device"] == "Firefox on Linux" and listed[0]["ip"] == "203.0.113.9"
    # Another person's token sees only their own sessions.
    admin_token, _ = issue_token(world.users["admin"])
    assert api.get("/api/v1/me/sessions", headers=bearer(admin_token)).get_json()["items"] == []


def test_me_refuses_api_keys_and_anonymous_callers(world, api):
    keyed = api.get("/api/v1/me", headers=world.headers("owner"))
    assert keyed.status_code == 403 and keyed.get_json()["error"]["code"] == "user_token_required"
    assert api.get("/api/v1/me/sessions", headers=world.headers("platform")).status_code == 403
    assert api.get("/api/v1/me").status_code == 401


def _provisioned_group(tenant, name="Engineering"):
    from app.services.audit import Actor
    from app.services.authority import Authority
    from app.services.directory import provisioning, tokens
    from app.services.directory.provisioning import GroupRecord

    token, _ = tokens.create_token(tenant, "Okta", Authority.member(Actor.for_user(tenant.owner), tenant, "owner"))
    return provisioning.create_group(tenant, GroupRecord(display_name=name), tokens.actor_for(token))


def test_an_owner_lists_groups_and_maps_one_to_a_role(world, api):
    group = _provisioned_group(world.tenant)
    listed = api.get("/api/v1/tenants/acme/scim-groups", headers=world.headers("owner")).get_json()["items"]
    assert [(g["display_name"], g["role"], g["members"]) for g in listed] == [("Engineering", None, 0)]
    mapped = api.patch(f"/api/v1/tenants/acme/scim-groups/{group.id}", headers=world.headers("owner"),
                       json={"role": "admin"})
    assert mapped.status_code == 200 and mapped.get_json()["role"] == "admin"
    owner = api.patch(f"/api/v1/tenants/acme/scim-groups/{group.id}", headers=world.headers("owner"), json={"role": "owner"})
    assert owner.status_code == 422
    unknown = api.patch(f"/api/v1/tenants/acme/scim-groups/{group.id}", headers=world.headers("owner"),
                        json={"role": "admin", "colour": "red"})
    assert unknown.status_code == 400
    cleared = api.patch(f"/api/v1/tenants/acme/scim-groups/{group.id}", headers=world.headers("owner"), json={"role": None})
    assert cleared.get_json()["role"] is None


def test_group_roles_are_owners_only_and_tenant_bound(world, api):
    group = _provisioned_group(world.tenant)
    assert api.patch(f"/api/v1/tenants/acme/scim-groups/{group.id}", headers=world.headers("admin"),
                     json={"role": "admin"}).status_code == 403
    assert api.get("/api/v1/tenants/acme/scim-groups", headers=world.headers("other")).status_code == 404
    assert api.patch(f"/api/v1/tenants/globex/scim-groups/{group.id}", headers=world.headers("other"),
                     json={"role": "admin"}).status_code == 404
    db.session.expire_all()
    from app.models import ScimGroup

    assert db.session.get(ScimGroup, group.id).role is None
