"""Issue 9, finding 3: a key hangs on its maker's access (membership, enabled account), unless an
owner takes it over; a disabled account's tokens stop at once too."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, AuditEvent
from app.services import api_keys, members, platform_users
from app.services.audit import Actor
from app.services.authority import Authority
from tests import factories
from tests.factories import PASSWORD, SYSTEM


def _key_of(user, tenant, role: str = "member") -> tuple[int, str]:
    """A key made by `user` as an admin of `tenant`, as the portal or the API would."""
    key, secret = api_keys.create_key(tenant, f"{user.email} key", role, Authority.member(Actor.for_user(user), tenant,
                                                                                          "admin"))
    return key.id, secret


def _works(api, secret: str) -> bool:
    response = api.get("/api/v1/tenants/current", key=secret)
    assert response.status_code in (200, 401), response.get_data(as_text=True)
    return response.status_code == 200


def test_a_removed_members_keys_stop_working(world, api):
    admin = world.users["admin"]
    key_id, secret = _key_of(admin, world.tenant)
    assert _works(api, secret)
    removed = api.delete(f"/api/v1/tenants/acme/users/{admin.id}", headers=world.headers("owner"))
    assert removed.status_code == 204
    assert not _works(api, secret)
    db.session.expire_all()
    assert db.session.get(ApiKey, key_id).revoked_at is not None
    listed = api.get("/api/v1/tenants/acme/api-keys", headers=world.headers("owner")).get_json()["items"]
    assert key_id not in [k["id"] for k in listed]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.removed"))
    assert event.details["keys_revoked"] == 1


def test_a_member_who_leaves_takes_their_keys_with_them(world, api):
    member = world.users["member"]
    _key_id, secret = _key_of(member, world.tenant, "viewer")
    members.remove_member(world.tenant, member.id, Authority.member(Actor.for_user(member), world.tenant, "member"))
    assert not _works(api, secret)


def test_a_key_whose_makers_membership_ended_any_other_way_is_refused(world, api):
    """Belt and braces: authentication itself checks the membership, whatever ended it."""
    from app.models import TenantUser

    admin = world.users["admin"]
    _key_id, secret = _key_of(admin, world.tenant)
    db.session.execute(TenantUser.__table__.delete().where(TenantUser.user_id == admin.id))
    db.session.commit()
    assert not _works(api, secret)


def test_a_disabled_accounts_keys_and_tokens_stop_at_once(world, api):
    admin = world.users["admin"]
    _key_id, secret = _key_of(admin, world.tenant)
    token = api.post("/api/v1/auth/token", json={"email": admin.email, "password": PASSWORD}).get_json()["access_token"]
    assert _works(api, secret)
    assert api.get("/api/v1/tenants/acme/users", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    platform_users.disable_user(admin, SYSTEM)
    assert not _works(api, secret)
    assert api.get("/api/v1/tenants/acme/users", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_key_made_with_a_key_hangs_on_the_same_person(world, api):
    admin = world.users["admin"]
    _key_id, parent = _key_of(admin, world.tenant, "admin")
    child = api.post("/api/v1/tenants/acme/api-keys", key=parent, json={"name": "child", "role": "viewer"})
    assert child.status_code == 201 and child.get_json()["owned_by_id"] == admin.id
    members.remove_member(world.tenant, admin.id, SYSTEM)
    assert not _works(api, child.get_json()["secret"])


def test_an_owner_who_takes_a_key_over_keeps_it_past_its_makers_removal(world, api):
    admin, owner = world.users["admin"], world.users["owner"]
    key_id, secret = _key_of(admin, world.tenant)
    owner_token = api.post("/api/v1/auth/token", json={"email": owner.email, "password": PASSWORD,
                                                       "tenant": "acme"}).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {owner_token}"}
    taken = api.post(f"/api/v1/tenants/acme/api-keys/{key_id}/reown", headers=headers)
    assert taken.status_code == 200 and taken.get_json()["owned_by_id"] == owner.id
    members.remove_member(world.tenant, admin.id, SYSTEM)
    assert _works(api, secret)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "apikey.reowned"))
    assert event.details == {"name": f"{admin.email} key", "from_user_id": admin.id, "to_user_id": owner.id}


def test_only_an_owner_as_themselves_takes_a_key_over(world, api):
    admin = world.users["admin"]
    key_id, _secret = _key_of(admin, world.tenant)
    admin_token = api.post("/api/v1/auth/token", json={"email": admin.email, "password": PASSWORD}).get_json()
    by_admin = api.post(f"/api/v1/tenants/acme/api-keys/{key_id}/reown",
                        headers={"Authorization": f"Bearer {admin_token['access_token']}"})
    assert by_admin.status_code == 403
    # An owner key is not a person: nobody would be left whose access the key hangs on.
    by_owner_key = api.post(f"/api/v1/tenants/acme/api-keys/{key_id}/reown", headers=world.headers("owner"))
    assert by_owner_key.status_code == 403 and by_owner_key.get_json()["error"]["code"] == "owner_required"
    db.session.expire_all()
    assert db.session.get(ApiKey, key_id).owned_by_id == admin.id


def test_another_tenants_owner_cannot_take_a_key_over(world, api):
    globex_owner = world.other.owner
    key_id, _secret = _key_of(world.users["admin"], world.tenant)
    token = api.post("/api/v1/auth/token", json={"email": globex_owner.email, "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert api.post(f"/api/v1/tenants/acme/api-keys/{key_id}/reown", headers=headers).status_code == 404
    assert api.post(f"/api/v1/tenants/globex/api-keys/{key_id}/reown", headers=headers).status_code == 404


def test_a_platform_key_stops_when_its_maker_is_no_longer_a_platform_admin(world, api):
    root = factories.user("root@platform.test", admin=True)
    factories.user("second@platform.test", admin=True)
    _key, secret = api_keys.create_key(None, "root's key", "owner", Authority.of(Actor.for_user(root)))
    assert api.get("/api/v1/tenants/", key=secret).status_code == 200
    platform_users.revoke_platform_admin(root, SYSTEM)
    assert api.get("/api/v1/tenants/", key=secret).status_code == 401


def test_operator_keys_answer_to_nobody_and_keep_working(world, api):
    assert _works(api, world.keys["admin"])
    assert api.get("/api/v1/tenants/", key=world.keys["platform"]).status_code == 200


def test_a_key_acts_no_higher_than_its_owners_current_role(world, api):
    admin = world.users["admin"]
    _key_id, secret = _key_of(admin, world.tenant, "admin")
    invite = {"email": "someone@elsewhere.test", "role": "viewer"}
    members.change_role(world.tenant, admin.id, "viewer", SYSTEM)
    demoted = api.post("/api/v1/tenants/acme/invitations", key=secret, json=invite)
    assert demoted.status_code == 403
    assert api.get("/api/v1/tenants/acme/users", key=secret).status_code == 200  # a viewer still reads
    members.change_role(world.tenant, admin.id, "admin", SYSTEM)
    assert api.post("/api/v1/tenants/acme/invitations", key=secret, json=invite).status_code in (201, 202)
