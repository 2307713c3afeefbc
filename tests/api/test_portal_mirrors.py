"""The portal actions the API mirrors (issue 10 §3): same services, permissions and audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.api.tokens import issue_token
from app.extensions import db
from app.models import AuditEvent, Tenant, TenantUser, User
from tests import factories
from tests.api.conftest import bearer

MOMENT = datetime(2027, 5, 10, 12, 0, tzinfo=UTC)


def user_token(user: User, tenant: Tenant | None = None) -> dict[str, str]:
    """A user's access token, as POST /auth/token issues it."""
    return bearer(issue_token(user, tenant)[0])


def last_action(tenant_id: str | None = None) -> str:
    stmt = select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)
    if tenant_id is not None:
        stmt = stmt.where(AuditEvent.tenant_id == tenant_id)
    return db.session.scalar(stmt)


def role_of(tenant: Tenant, user: User) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(TenantUser.role).where(TenantUser.tenant_id == tenant.id,
                                                           TenantUser.user_id == user.id))


# --- ownership transfer and leaving --------------------------------------------------------------

def test_owner_transfers_ownership_and_becomes_admin(world, api):
    admin = world.users["admin"]
    response = api.post("/api/v1/tenants/acme/transfer-ownership", headers=world.headers("owner"),
                        json={"user_id": admin.id})
    assert response.status_code == 200
    assert response.get_json()["role"] == "owner" and response.get_json()["email"] == "admin@acme.test"
    assert role_of(world.tenant, admin) == "owner" and role_of(world.tenant, world.users["owner"]) == "admin"
    assert last_action(world.tenant.id) == "tenant.ownership_transferred"


def test_admin_cannot_transfer_and_another_tenant_cannot_see_the_route(world, api):
    body = {"user_id": world.users["member"].id}
    assert api.post("/api/v1/tenants/acme/transfer-ownership", headers=world.headers("admin"),
                    json=body).status_code == 403
    assert api.post("/api/v1/tenants/acme/transfer-ownership", headers=world.headers("other"),
                    json=body).status_code == 404
    assert role_of(world.tenant, world.users["member"]) == "member"


def test_transfer_to_a_stranger_is_404_and_a_bad_id_422(world, api):
    stranger = factories.user("stranger@else.test")
    assert api.post("/api/v1/tenants/acme/transfer-ownership", headers=world.headers("owner"),
                    json={"user_id": stranger.id}).status_code == 404
    bad = api.post("/api/v1/tenants/acme/transfer-ownership", headers=world.headers("owner"), json={"user_id": 0})
    assert bad.status_code == 422 and "user_id" in bad.get_json()["error"]["details"]["fields"]


def test_member_leaves_with_their_own_token(world, api):
    viewer = world.users["viewer"]
    response = api.post("/api/v1/tenants/acme/leave", headers=user_token(viewer))
    assert response.status_code == 204
    assert role_of(world.tenant, viewer) is None
    assert last_action(world.tenant.id) == "member.removed"


def test_a_key_cannot_leave_and_the_last_owner_cannot_either(world, api):
    refused = api.post("/api/v1/tenants/acme/leave", headers=world.headers("viewer"))
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "user_token_required"
    last_owner = api.post("/api/v1/tenants/acme/leave", headers=user_token(world.users["owner"]))
    assert last_owner.status_code == 409 and last_owner.get_json()["error"]["code"] == "last_owner"
    assert role_of(world.tenant, world.users["owner"]) == "owner"


def test_a_token_for_another_tenant_cannot_leave_this_one(world, api):
    outsider = factories.member(world.other, "member", factories.user("outsider@globex.test"))
    assert api.post("/api/v1/tenants/acme/leave", headers=user_token(outsider)).status_code == 404
    assert role_of(world.other, outsider) == "member"


# --- accepting an invitation ---------------------------------------------------------------------

def test_signed_in_invitee_accepts_by_token(world, api):
    invitee = factories.user("invitee@else.test")
    _, token = factories.invitation(world.tenant, "invitee@else.test", "viewer")
    response = api.post("/api/v1/invitations/accept", headers=user_token(invitee), json={"token": token})
    assert response.status_code == 201
    assert response.get_json() == {"tenant_id": world.tenant.id, "tenant_slug": "acme", "user_id": invitee.id,
                                   "email": "invitee@else.test", "role": "viewer"}
    assert role_of(world.tenant, invitee) == "viewer"
    again = api.post("/api/v1/invitations/accept", headers=user_token(invitee), json={"token": token})
    assert again.status_code == 410 and again.get_json()["error"]["code"] == "invitation_used"


def test_someone_else_cannot_accept_an_invitation_meant_for_another(world, api):
    _, token = factories.invitation(world.tenant, "invitee@else.test")
    intruder = factories.user("intruder@else.test")
    response = api.post("/api/v1/invitations/accept", headers=user_token(intruder), json={"token": token})
    assert response.status_code == 410 and response.get_json()["error"]["code"] == "invitation_email_mismatch"
    assert role_of(world.tenant, intruder) is None
    keyed = api.post("/api/v1/invitations/accept", headers=world.headers("owner"), json={"token": token})
    assert keyed.status_code == 403 and keyed.get_json()["error"]["code"] == "user_token_required"


def test_a_new_person_accepts_with_a_new_account_and_can_sign_in(world, api):
    _, token = factories.invitation(world.tenant, "newbie@else.test", "member")
    response = api.post("/api/v1/invitations/accept-new-account",
                        json={"token": token, "name": "New Bie", "password": "a long enough secret"})
    assert response.status_code == 201 and response.get_json()["role"] == "member"
    signed_in = api.post("/api/v1/auth/token", json={"email": "newbie@else.test", "password": "a long enough secret"})
    assert signed_in.status_code == 200


def test_new_account_body_reports_every_bad_field_at_once(world, api):
    response = api.post("/api/v1/invitations/accept-new-account", json={"token": "", "name": " "})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) == {"token", "name", "password"}


def test_a_wrong_token_is_410_and_creates_no_account(world, api):
    response = api.post("/api/v1/invitations/accept-new-account",
                        json={"token": "nope", "name": "X", "password": "a long enough secret"})
    assert response.status_code == 410 and response.get_json()["error"]["code"] == "invitation_not_found"


# --- an organisation of one's own ----------------------------------------------------------------

def test_signed_in_user_creates_a_free_organisation_they_own(world, api):
    member = world.users["member"]
    response = api.post("/api/v1/me/tenants", headers=user_token(member), json={"name": "Side Project"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["plan"] == "free" and body["slug"] == "side-project" and body["owner"]["id"] == member.id
    assert response.headers["Location"].endswith(f"/api/v1/tenants/{body['id']}")
    assert last_action(body["id"]) == "tenant.created"


def test_a_key_cannot_create_an_organisation_and_bad_fields_are_named_together(world, api):
    refused = api.post("/api/v1/me/tenants", headers=world.headers("owner"), json={"name": "Keyed"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "user_token_required"
    bad = api.post("/api/v1/me/tenants", headers=user_token(world.users["member"]),
                   json={"name": "", "slug": "Not A Slug"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["details"]["fields"]) == {"name", "slug"}
    assert db.session.scalar(select(Tenant).where(Tenant.name == "Keyed")) is None


# --- platform: restore, purge, trials, quotas, overriding a blocked downgrade --------------------

def test_platform_restores_a_deleted_tenant_and_a_tenant_key_cannot(world, api):
    assert api.delete(f"/api/v1/tenants/{world.other.id}", headers=world.headers("platform")).status_code == 200
    refused = api.post(f"/api/v1/tenants/{world.other.id}/restore", headers=world.headers("other"))
    assert refused.status_code in (403, 404)
    restored = api.post(f"/api/v1/tenants/{world.other.id}/restore", headers=world.headers("platform"))
    assert restored.status_code == 200 and restored.get_json()["status"] == "active"
    assert last_action(world.other.id) == "tenant.restored"


def test_restore_works_until_the_grace_period_ends(world, api, clock):
    traveller = clock(MOMENT)
    restore = f"/api/v1/tenants/{world.other.id}/restore"
    api.delete(f"/api/v1/tenants/{world.other.id}", headers=world.headers("platform"))
    traveller.shift(timedelta(days=30) - timedelta(seconds=1))  # DELETED_TENANT_GRACE_DAYS = 30
    assert api.post(restore, headers=world.headers("platform")).status_code == 200
    api.delete(f"/api/v1/tenants/{world.other.id}", headers=world.headers("platform"))
    traveller.shift(timedelta(days=30))
    refused = api.post(restore, headers=world.headers("platform"))
    assert refused.status_code == 409 and "grace period" in refused.get_json()["error"]["message"]
    assert refused.get_json()["error"]["code"] == "tenant_state_conflict"


def test_purge_needs_the_slug_typed_again(world, api):
    doomed = world.other.id
    api.delete(f"/api/v1/tenants/{doomed}", headers=world.headers("platform"))
    wrong = api.post(f"/api/v1/tenants/{doomed}/purge", headers=world.headers("platform"),
                     json={"confirm_slug": "acme"})
    assert wrong.status_code == 422 and db.session.get(Tenant, doomed) is not None
    done = api.post(f"/api/v1/tenants/{doomed}/purge", headers=world.headers("platform"),
                    json={"confirm_slug": "globex"})
    assert done.status_code == 204
    db.session.expire_all()
    assert db.session.get(Tenant, doomed) is None
    assert last_action(doomed) == "tenant.purged"


def test_platform_extends_a_trial(world, api, clock):
    clock(MOMENT)
    trial = factories.tenant("trialco", status="trial")
    ends = trial.trial_ends_at
    response = api.post(f"/api/v1/tenants/{trial.id}/extend-trial", headers=world.headers("platform"),
                        json={"days": 14})
    assert response.status_code == 200 and response.get_json()["status"] == "trial"
    db.session.expire_all()
    assert db.session.get(Tenant, trial.id).trial_ends_at == ends + timedelta(days=14)
    too_long = api.post(f"/api/v1/tenants/{trial.id}/extend-trial", headers=world.headers("platform"),
                        json={"days": 366})
    assert too_long.status_code == 422 and "days" in too_long.get_json()["error"]["details"]["fields"]
    owner_key = factories.api_key(trial, "owner")
    assert api.post(f"/api/v1/tenants/{trial.id}/extend-trial", headers=bearer(owner_key),
                    json={"days": 1}).status_code == 403


def test_platform_sets_and_clears_custom_quotas(world, api):
    response = api.patch(f"/api/v1/tenants/{world.tenant.id}/quotas", headers=world.headers("platform"),
                         json={"users": 80, "api_calls": None})
    assert response.status_code == 200
    quotas = response.get_json()["quotas"]
    assert quotas["users"]["limit"] == 80 and quotas["api_calls"]["limit"] is None
    assert quotas["storage"]["limit"] == 50 * 1024**3  # untouched: the plan's
    assert last_action(world.tenant.id) == "tenant.quota_override"
    cleared = api.patch(f"/api/v1/tenants/{world.tenant.id}/quotas", headers=world.headers("platform"),
                        json={"users": "plan"})
    assert cleared.get_json()["quotas"]["users"]["limit"] == 50
    assert api.patch(f"/api/v1/tenants/{world.tenant.id}/quotas", headers=world.headers("owner"),
                     json={"users": 500}).status_code == 403


def test_quota_overrides_report_every_bad_value(world, api):
    response = api.patch(f"/api/v1/tenants/{world.tenant.id}/quotas", headers=world.headers("platform"),
                         json={"users": -1, "storage": "lots"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["details"]["fields"]
    assert set(fields) == {"users", "storage"}
    assert "null (unlimited)" in fields["users"][0]


def test_only_a_platform_admin_overrides_a_blocked_downgrade(world, api):
    for _ in range(3):
        factories.member(world.tenant, "viewer")  # 7 users; Free allows 5
    body = {"new_plan": "free", "override_limits": True}
    refused = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("owner"), json=body)
    assert refused.status_code == 403
    done = api.post("/api/v1/tenants/acme/change-plan", headers=world.headers("platform"), json=body)
    assert done.status_code == 200 and done.get_json()["plan"] == "free"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tenant.plan_changed"))
    assert event.details["override_limits"] is True


# --- platform users ------------------------------------------------------------------------------

def test_platform_lists_and_searches_users(world, api):
    response = api.get("/api/v1/users?q=admin@acme", headers=world.headers("platform"))
    assert response.status_code == 200
    [found] = response.get_json()["items"]
    assert found["email"] == "admin@acme.test"
    assert found["memberships"] == [{"tenant_id": world.tenant.id, "tenant_slug": "acme", "tenant_name": "Acme",
                                     "role": "admin", "status": "active"}]
    assert api.get("/api/v1/users", headers=world.headers("owner")).status_code == 403


def test_platform_disables_a_user_whose_tokens_stop_at_once_then_enables(world, api):
    member = world.users["member"]
    token = user_token(member)
    assert api.get("/api/v1/tenants/acme", headers=token).status_code == 200
    disabled = api.post(f"/api/v1/users/{member.id}/disable", headers=world.headers("platform"))
    assert disabled.status_code == 200 and disabled.get_json()["is_disabled"] is True
    assert api.get("/api/v1/tenants/acme", headers=token).status_code == 401
    enabled = api.post(f"/api/v1/users/{member.id}/enable", headers=world.headers("platform"))
    assert enabled.get_json()["is_disabled"] is False
    assert last_action() == "user.enabled"


def test_grant_and_revoke_platform_admin_but_never_the_last(world, api):
    admin = factories.user("root@platform.test", admin=True)
    granted = api.post(f"/api/v1/users/{world.users['owner'].id}/grant-platform-admin",
                       headers=user_token(admin))
    assert granted.status_code == 200 and granted.get_json()["is_platform_admin"] is True
    revoked = api.post(f"/api/v1/users/{world.users['owner'].id}/revoke-platform-admin",
                       headers=user_token(admin))
    assert revoked.get_json()["is_platform_admin"] is False
    last = api.post(f"/api/v1/users/{admin.id}/revoke-platform-admin", headers=world.headers("platform"))
    assert last.status_code == 409 and last.get_json()["error"]["code"] == "last_platform_admin"


def test_tenant_keys_cannot_administer_users(world, api):
    member = world.users["member"]
    for action in ("disable", "grant-platform-admin", "reset-two-factor"):
        assert api.post(f"/api/v1/users/{member.id}/{action}", headers=world.headers("owner")).status_code == 403
    db.session.expire_all()
    assert not db.session.get(User, member.id).is_disabled


def test_resetting_a_second_factor_that_is_not_there_is_a_conflict(world, api):
    response = api.post(f"/api/v1/users/{world.users['member'].id}/reset-two-factor",
                        headers=world.headers("platform"))
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "two_factor_not_enabled"
