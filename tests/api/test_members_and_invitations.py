"""A tenant's users and invitations through the API: the same rules as the portal."""

from __future__ import annotations

from app.extensions import db
from app.models import TenantInvitation, TenantUser
from tests import factories


def _verified_domain(tenant, domain: str) -> None:
    """The tenant proved it owns `domain` (the DNS check itself is tested in tests/sso)."""
    from app.models import TenantDomain
    from app.models.types import utcnow

    db.session.add(TenantDomain(tenant_id=tenant.id, domain=domain, status="verified", token="t" * 32,
                                verified_at=utcnow()))
    db.session.commit()


def test_a_verified_account_on_a_verified_domain_joins_at_once(world, api):
    someone = factories.user("someone@acme-corp.test")
    _verified_domain(world.tenant, "acme-corp.test")
    response = api.post("/api/v1/tenants/acme/users", headers=world.headers("admin"),
                        json={"email": "Someone@Acme-Corp.test", "role": "member"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["result"] == "added" and body["member"]["user_id"] == someone.id
    db.session.expire_all()
    assert db.session.query(TenantUser).filter_by(tenant_id=world.tenant.id, user_id=someone.id).one().role == "member"


def test_unknown_address_is_invited_and_the_link_is_emailed_not_returned(world, api, mailbox):
    response = api.post("/api/v1/tenants/acme/users", headers=world.headers("admin"),
                        json={"email": "newbie@elsewhere.test"})
    assert response.status_code == 202
    body = response.get_json()
    assert body["result"] == "invited" and body["invitation"]["role"] == "member"
    assert body["email_sent"] is True
    assert "token" not in str(body)
    assert [m["To"] for m in mailbox.messages] == ["newbie@elsewhere.test"]


def test_adding_a_member_twice_is_409(world, api):
    response = api.post("/api/v1/tenants/acme/users", headers=world.headers("admin"),
                        json={"email": "viewer@acme.test"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_member"


def test_users_quota_counts_members_and_invitations(app, api):
    tenant = factories.tenant("tiny", plan="free")  # 5 users
    for _ in range(3):
        factories.member(tenant, "member")
    factories.invitation(tenant)
    key = factories.api_key(tenant, "admin")
    response = api.post("/api/v1/tenants/tiny/users", key=key, json={"email": "sixth@elsewhere.test"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "quota_exceeded"


def test_admin_cannot_grant_owner(world, api):
    response = api.post("/api/v1/tenants/acme/users", headers=world.headers("admin"),
                        json={"email": "boss@elsewhere.test", "role": "owner"})
    assert response.status_code == 403


def test_members_list_is_paginated(world, api):
    page = api.get("/api/v1/tenants/acme/users?per_page=2", headers=world.headers("viewer")).get_json()
    assert page["meta"] == {"page": 1, "per_page": 2, "total": 4, "pages": 2}
    assert page["items"][0]["role"] == "owner"


def test_role_change_and_removal(world, api):
    member_id = world.users["member"].id
    changed = api.patch(f"/api/v1/tenants/acme/users/{member_id}", headers=world.headers("admin"),
                        json={"role": "viewer"})
    assert changed.status_code == 200 and changed.get_json()["role"] == "viewer"
    removed = api.delete(f"/api/v1/tenants/acme/users/{member_id}", headers=world.headers("admin"))
    assert removed.status_code == 204
    db.session.expire_all()
    assert db.session.query(TenantUser).filter_by(tenant_id=world.tenant.id, user_id=member_id).count() == 0


def test_last_owner_cannot_be_demoted_or_removed(world, api):
    owner_id = world.users["owner"].id
    demoted = api.patch(f"/api/v1/tenants/acme/users/{owner_id}", headers=world.headers("platform"),
                        json={"role": "admin"})
    assert demoted.status_code == 409 and demoted.get_json()["error"]["code"] == "last_owner"
    removed = api.delete(f"/api/v1/tenants/acme/users/{owner_id}", headers=world.headers("platform"))
    assert removed.status_code == 409


def test_a_member_of_another_tenant_is_not_found_here(world, api):
    stranger = factories.member(world.other, "member")
    response = api.patch(f"/api/v1/tenants/acme/users/{stranger.id}", headers=world.headers("owner"),
                         json={"role": "viewer"})
    assert response.status_code == 404
    assert api.delete("/api/v1/tenants/acme/users/not-a-number", headers=world.headers("owner")).status_code == 404


def test_invitations_are_sent_listed_resent_and_revoked(world, api, mailbox):
    admin = world.headers("admin")
    sent = api.post("/api/v1/tenants/acme/invitations", headers=admin,
                    json={"email": "later@elsewhere.test", "role": "viewer"})
    assert sent.status_code == 201
    invitation_id = sent.get_json()["id"]
    listed = api.get("/api/v1/tenants/acme/invitations", headers=world.headers("viewer")).get_json()
    assert [i["email"] for i in listed["items"]] == ["later@elsewhere.test"]
    resent = api.post(f"/api/v1/tenants/acme/invitations/{invitation_id}/resend", headers=admin)
    assert resent.status_code == 200 and resent.get_json()["send_count"] == 2
    assert len(mailbox.messages) == 2
    revoked = api.delete(f"/api/v1/tenants/acme/invitations/{invitation_id}", headers=admin)
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    again = api.delete(f"/api/v1/tenants/acme/invitations/{invitation_id}", headers=admin)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "invitation_not_pending"
    assert api.get("/api/v1/tenants/acme/invitations?status=revoked",
                   headers=admin).get_json()["meta"]["total"] == 1


def test_inviting_twice_is_409(world, api):
    factories.invitation(world.tenant, "twice@elsewhere.test")
    response = api.post("/api/v1/tenants/acme/invitations", headers=world.headers("admin"),
                        json={"email": "twice@elsewhere.test"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "already_invited"


def test_another_tenants_invitation_is_not_found(world, api):
    theirs, _ = factories.invitation(world.other)
    response = api.delete(f"/api/v1/tenants/acme/invitations/{theirs.id}", headers=world.headers("owner"))
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(TenantInvitation, theirs.id).status == "pending"
