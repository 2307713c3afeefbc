"""Membership rules: roles, the users quota, and an owner that can never go missing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, TenantUser
from app.services import invitations, members
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.errors import AlreadyMember, LastOwner, NotFound, PermissionDenied, QuotaExceeded, ValidationError
from tests import factories as f

SYSTEM = Authority.system()


def role(tenant, user) -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(TenantUser.role).where(TenantUser.tenant_id == tenant.id,
                                                           TenantUser.user_id == user.id))


def test_add_member_joins_with_role_and_is_audited(app):
    tenant = f.tenant()
    bob = f.user("bob@example.test")
    members.add_member(tenant, bob, "admin", SYSTEM)
    assert role(tenant, bob) == "admin"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.added"))
    assert event.tenant_id == tenant.id and event.details == {"email": "bob@example.test", "role": "admin"}


def test_adding_an_existing_member_again_is_a_conflict(app):
    tenant = f.tenant()
    bob = f.member(tenant)
    with pytest.raises(AlreadyMember) as exc:
        members.add_member(tenant, bob, "viewer", SYSTEM)
    assert exc.value.code == "already_member" and exc.value.http_status == 409


def test_unknown_role_is_refused_naming_the_field(app):
    tenant = f.tenant()
    with pytest.raises(ValidationError) as exc:
        members.add_member(tenant, f.user(), "superuser", SYSTEM)
    assert exc.value.field == "role"


def test_free_plan_admits_its_fifth_user_and_refuses_the_sixth(app):
    tenant = f.tenant(plan="free")  # the owner is user 1 of 5
    for _ in range(3):
        f.member(tenant)
    f.invitation(tenant)  # a pending invitation holds the fifth seat
    with pytest.raises(QuotaExceeded) as exc:
        members.add_member(tenant, f.user(), "member", SYSTEM)
    assert "allows 5 users" in exc.value.message and exc.value.details["used"] == 5


def test_invited_person_joining_directly_uses_their_reserved_seat(app):
    tenant = f.tenant(plan="free")
    for _ in range(3):
        f.member(tenant)
    f.invitation(tenant, "reserved@example.test")  # 5 of 5 seats
    reserved = f.user("reserved@example.test")
    members.add_member(tenant, reserved, "member", SYSTEM)
    assert role(tenant, reserved) == "member"


def test_admin_cannot_grant_owner_or_touch_an_owner(app):
    tenant = f.tenant()
    admin = f.member(tenant, "admin")
    other_owner = f.member(tenant, "owner")
    actor = Actor.for_user(admin)
    with pytest.raises(PermissionDenied):
        members.add_member(tenant, f.user(), "owner", Authority.member(actor, tenant, "admin"))
    with pytest.raises(PermissionDenied):
        members.change_role(tenant, other_owner.id, "member", Authority.member(actor, tenant, "admin"))
    with pytest.raises(PermissionDenied):
        members.remove_member(tenant, other_owner.id, Authority.member(actor, tenant, "admin"))
    assert role(tenant, other_owner) == "owner"


def test_last_owner_cannot_be_demoted_or_removed(app):
    tenant = f.tenant()
    owner = tenant.owner
    with pytest.raises(LastOwner) as exc:
        members.change_role(tenant, owner.id, "admin", Authority.member(SYSTEM, tenant, "owner"))
    assert "only owner" in exc.value.message and exc.value.code == "last_owner"
    with pytest.raises(LastOwner):
        members.remove_member(tenant, owner.id, Authority.member(Actor.for_user(owner), tenant, "owner"))
    assert role(tenant, owner) == "owner"


def test_an_owner_can_be_demoted_when_another_owner_remains(app):
    tenant = f.tenant()
    first = tenant.owner
    second = f.member(tenant, "owner")
    members.change_role(tenant, first.id, "admin", Authority.member(SYSTEM, tenant, "owner"))
    assert role(tenant, first) == "admin"
    db.session.refresh(tenant)
    assert tenant.owner_id == second.id  # the primary owner moved to the remaining owner


def test_transfer_ownership_swaps_roles(app):
    tenant = f.tenant()
    old_owner = tenant.owner
    heir = f.member(tenant, "member")
    members.transfer_ownership(tenant, heir.id, Authority.member(Actor.for_user(old_owner), tenant, "owner"))
    assert role(tenant, heir) == "owner" and role(tenant, old_owner) == "admin"
    db.session.refresh(tenant)
    assert tenant.owner_id == heir.id


def test_only_owners_transfer_ownership(app):
    tenant = f.tenant()
    admin = f.member(tenant, "admin")
    with pytest.raises(PermissionDenied):
        members.transfer_ownership(tenant, admin.id, Authority.member(Actor.for_user(admin), tenant, "admin"))


def test_member_can_leave_and_removal_is_audited(app):
    tenant = f.tenant()
    viewer = f.member(tenant, "viewer")
    members.remove_member(tenant, viewer.id, Authority.member(Actor.for_user(viewer), tenant, "viewer"))
    assert role(tenant, viewer) is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.removed"))
    assert event.details["left"] is True


def test_member_of_another_tenant_is_not_found(app):
    mine, theirs = f.tenant(), f.tenant()
    stranger = f.member(theirs)
    with pytest.raises(NotFound):
        members.change_role(mine, stranger.id, "viewer", SYSTEM)
    with pytest.raises(NotFound):
        members.remove_member(mine, stranger.id, SYSTEM)
    assert role(theirs, stranger) == "member"


def test_add_or_invite_joins_existing_accounts_and_invites_new_addresses(app):
    tenant = f.tenant(plan="basic")
    known = f.user("known@example.test")
    joined = invitations.add_or_invite(tenant, "KNOWN@example.test", "member", SYSTEM)
    invited = invitations.add_or_invite(tenant, "new@example.test", "viewer", SYSTEM)
    assert joined.membership is not None and joined.membership.user_id == known.id
    assert invited.invitation is not None and invited.invitation.email == "new@example.test"
    assert invited.invitation.role == "viewer"


def test_list_members_puts_owners_first(app):
    tenant = f.tenant()
    f.member(tenant, "viewer")
    f.member(tenant, "admin")
    assert [m.role for m in members.list_members(tenant)] == ["owner", "admin", "viewer"]
