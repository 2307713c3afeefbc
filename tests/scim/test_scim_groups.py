"""SCIM Groups: members as Entra ID and Okta PATCH them, and a group mapped to a tenant role."""

from __future__ import annotations

from app.extensions import db
from app.models import ScimGroupMember, TenantUser, User
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.directory import provisioning
from tests.scim.conftest import GROUP_SCHEMA, user_body


def _role(acme, email):
    account = db.session.query(User).filter_by(email=email).one()
    return db.session.query(TenantUser).filter_by(tenant_id=acme.id, user_id=account.id).one().role


def _owner(acme):
    return Authority.member(Actor.for_user(acme.owner), acme, "owner")


def test_group_members_added_and_removed_the_way_entra_and_okta_patch_them(scim, acme):
    alice = scim.post("/Users", user_body("alice@acme.test")).get_json()["id"]
    bob = scim.post("/Users", user_body("bob@acme.test")).get_json()["id"]
    group = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Engineering", "externalId": "g-1",
                                  "members": []})
    assert group.status_code == 201, group.get_data(as_text=True)
    gid = group.get_json()["id"]
    # Entra: Add with a list of values; Okta: add the same way.
    added = scim.patch(f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"value": alice}, {"value": bob}]}])
    assert added.status_code == 200
    assert {m["value"] for m in scim.get(f"/Groups/{gid}").get_json()["members"]} == {alice, bob}
    assert scim.get(f"/Users/{alice}").get_json()["groups"][0]["value"] == gid
    # Entra: Remove with a value filter in the path.
    removed = scim.patch(f"/Groups/{gid}", [{"op": "Remove", "path": f'members[value eq "{bob}"]'}])
    assert removed.status_code == 200
    assert [m["value"] for m in scim.get(f"/Groups/{gid}").get_json()["members"]] == [alice]
    # Okta: replace the whole member list, and rename.
    replaced = scim.patch(f"/Groups/{gid}", [{"op": "replace", "value": {"displayName": "Eng", "members": [{"value": bob}]}}])
    assert replaced.status_code == 200 and replaced.get_json()["displayName"] == "Eng"
    assert [m["value"] for m in replaced.get_json()["members"]] == [bob]
    assert scim.get('/Groups?filter=displayName eq "eng"').get_json()["totalResults"] == 1
    assert scim.get('/Groups?filter=externalId eq "g-1"').get_json()["totalResults"] == 1
    assert scim.delete(f"/Groups/{gid}").status_code == 204
    assert db.session.query(ScimGroupMember).count() == 0


def test_a_group_of_another_tenant_or_an_unknown_member_is_refused(scim, acme, client):
    from tests import factories
    from tests.scim.conftest import Scim, scim_token

    globex = factories.tenant("globex", plan="pro", owner=factories.user("owner@globex.test"))
    other = Scim(client, "globex", scim_token(globex))
    theirs = other.post("/Users", user_body("spy@globex.test")).get_json()["id"]
    refused = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Sneaky", "members": [{"value": theirs}]})
    assert refused.status_code == 400 and refused.get_json()["scimType"] == "invalidValue"
    assert scim.get("/Groups").get_json()["totalResults"] == 0
    gid = other.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Globex staff"}).get_json()["id"]
    assert scim.get(f"/Groups/{gid}").status_code == 404
    assert scim.delete(f"/Groups/{gid}").status_code == 404


def test_a_group_mapped_to_a_role_sets_its_members_roles_and_unmapping_gives_member(scim, acme):
    alice = scim.post("/Users", user_body("alice@acme.test")).get_json()["id"]
    gid = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Admins"}).get_json()["id"]
    provisioning.set_group_role(acme, gid, "admin", _owner(acme))
    assert _role(acme, "alice@acme.test") == "member"  # not in the group yet
    scim.patch(f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"value": alice}]}])
    assert _role(acme, "alice@acme.test") == "admin"
    scim.patch(f"/Groups/{gid}", [{"op": "Remove", "path": f'members[value eq "{alice}"]'}])
    assert _role(acme, "alice@acme.test") == "member"
    # A new user joining a mapped group at creation time... gets the role when added to the group.
    scim.patch(f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"value": alice}]}])
    provisioning.set_group_role(acme, gid, None, _owner(acme))
    assert _role(acme, "alice@acme.test") == "admin"  # no mapping left: roles are the portal's again
    # The owner is never changed by the directory.
    assert _role(acme, "owner@acme.test") == "owner"


def test_only_an_owner_maps_groups_and_never_to_owner(scim, acme):
    import pytest

    from app.services.errors import PermissionDenied, ValidationError
    from tests import factories

    gid = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Staff"}).get_json()["id"]
    admin = factories.member(acme, "admin", factories.user("adm@acme.test"))
    with pytest.raises(PermissionDenied):
        provisioning.set_group_role(acme, gid, "viewer", Authority.member(Actor.for_user(admin), acme, "admin"))
    with pytest.raises(ValidationError):
        provisioning.set_group_role(acme, gid, "owner", _owner(acme))
