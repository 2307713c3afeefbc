"""The request sequence Microsoft Entra ID sends to a SCIM endpoint, replayed in order.

Shapes as Microsoft's "Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
tutorial documents them (user operations: create, get, get by userName, get by userName with no
result, update multi-valued then single-valued attributes, disable, delete; group operations:
create, get, get by displayName, rename, add members, remove members, delete), including what
Entra does that plain RFC examples do not: capitalised ops, the enterprise extension, a userName
that is not an email, `excludedAttributes=members`, and a `Replace` of `emails[type eq "work"].value`.
"""

from __future__ import annotations

from app.extensions import db
from app.models import AuditEvent, TenantUser, User
from tests.scim.conftest import GROUP_SCHEMA, USER_SCHEMA

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _member(acme, email):
    account = db.session.query(User).filter_by(email=email).one()
    return db.session.query(TenantUser).filter_by(tenant_id=acme.id, user_id=account.id).one_or_none()


def test_entra_provisions_updates_and_deprovisions_a_user(scim, acme):
    user_name = "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1"
    work_email = "Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com"
    # Entra first looks the user up; nothing yet.
    empty = scim.get(f'/Users?filter=userName eq "{user_name}"')
    assert empty.status_code == 200 and empty.get_json()["totalResults"] == 0 and empty.get_json()["Resources"] == []

    created = scim.post("/Users", {
        "schemas": [USER_SCHEMA, ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name, "active": True,
        "emails": [{"primary": True, "type": "work", "value": work_email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENTERPRISE: {"department": "Human Resources", "employeeNumber": "100009"},
    })
    assert created.status_code == 201, created.get_data(as_text=True)
    user = created.get_json()
    uid = user["id"]
    assert user["userName"] == user_name and user[ENTERPRISE]["department"] == "Human Resources"
    # The account is the work email (the userName is not an email); it is a member now.
    assert _member(acme, work_email.lower()).role == "member"

    assert scim.get(f"/Users/{uid}").get_json()["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    found = scim.get(f'/Users?filter=userName eq "{user_name}"').get_json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == uid
    assert scim.get('/Users?filter=userName eq "non-existent user"').get_json()["totalResults"] == 0

    # Update [multi-valued properties].
    multi = scim.patch(f"/Users/{uid}", [
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    ])
    assert multi.status_code == 200, multi.get_data(as_text=True)
    body = multi.get_json()
    assert body["emails"][0]["value"] == "updatedEmail@microsoft.com" and body["name"]["familyName"] == "updatedFamilyName"

    # Update [single-valued properties]: a new userName.
    single = scim.patch(f"/Users/{uid}", [
        {"op": "Replace", "path": "userName", "value": "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"}])
    assert single.status_code == 200 and single.get_json()["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    assert scim.get('/Users?filter=userName eq "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"').get_json()[
        "totalResults"] == 1

    # Disable: the membership goes at once, the user stays readable as inactive.
    disabled = scim.patch(f"/Users/{uid}", [{"op": "Replace", "path": "active", "value": False}])
    assert disabled.status_code == 200 and disabled.get_json()["active"] is False
    assert _member(acme, work_email.lower()) is None
    assert scim.get(f"/Users/{uid}").get_json()["active"] is False

    # Delete (Entra's hard delete, 30 days later).
    assert scim.delete(f"/Users/{uid}").status_code == 204
    assert scim.get(f"/Users/{uid}").status_code == 404
    assert db.session.query(User).filter_by(email=work_email.lower()).count() == 1  # the account stays
    actions = [e.action for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("scim.%"))
               .order_by(AuditEvent.id)]
    assert actions == ["scim.user_provisioned", "scim.user_updated", "scim.user_updated", "scim.user_deactivated",
                       "scim.user_deleted"]


def test_entra_provisions_a_group_and_its_members(scim, acme):
    uid = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "member@acme.test", "active": True,
                               "emails": [{"primary": True, "type": "work", "value": "member@acme.test"}]}).get_json()["id"]
    created = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
                                    "displayName": "displayName", "meta": {"resourceType": "Group"}, "members": []})
    assert created.status_code == 201, created.get_data(as_text=True)
    gid = created.get_json()["id"]
    got = scim.get(f"/Groups/{gid}?excludedAttributes=members")
    assert got.status_code == 200 and "members" not in got.get_json() and got.get_json()["displayName"] == "displayName"
    by_name = scim.get('/Groups?excludedAttributes=members&filter=displayName eq "displayName"').get_json()
    assert by_name["totalResults"] == 1 and by_name["Resources"][0]["id"] == gid

    renamed = scim.patch(f"/Groups/{gid}", [{"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"}])
    assert renamed.status_code == 200
    added = scim.patch(f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid}]}])
    assert added.status_code == 200, added.get_data(as_text=True)
    assert [m["value"] for m in scim.get(f"/Groups/{gid}").get_json()["members"]] == [uid]
    removed = scim.patch(f"/Groups/{gid}", [{"op": "Remove", "path": f'members[value eq "{uid}"]'}])
    assert removed.status_code == 200
    assert "members" not in scim.get(f"/Groups/{gid}").get_json()
    assert scim.delete(f"/Groups/{gid}").status_code == 204
    assert scim.get(f"/Groups/{gid}").status_code == 404
