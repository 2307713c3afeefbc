"""Invitations: hashed single-use tokens, expiry, resend, revoke, and redemption."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import TenantInvitation, TenantUser
from app.models.types import utcnow
from app.services import invitations
from app.services.audit import Actor
from app.services.errors import AlreadyInvited, AlreadyMember, InvitationInvalid, NotFound, QuotaExceeded
from tests import factories as f

SYSTEM = Actor.system()


def test_token_is_long_random_and_only_its_hash_is_stored(app):
    tenant = f.tenant()
    invitation, token = f.invitation(tenant)
    assert len(token) >= 43  # 256 bits, URL-safe base64
    assert invitation.token_hash == invitations.hash_token(token) and token not in invitation.token_hash
    assert invitation.expires_at - utcnow() > timedelta(days=6, hours=23)


@pytest.mark.app_config(INVITATION_TTL_DAYS=2)
def test_expiry_follows_configuration(app):
    invitation, _ = f.invitation(f.tenant())
    assert timedelta(days=1, hours=23) < invitation.expires_at - utcnow() <= timedelta(days=2)


def test_second_pending_invitation_for_same_email_is_refused(app):
    tenant = f.tenant()
    f.invitation(tenant, "pat@example.test")
    with pytest.raises(AlreadyInvited):
        f.invitation(tenant, "PAT@example.test")


def test_inviting_a_member_is_refused(app):
    tenant = f.tenant()
    f.member(tenant, who=f.user("already@example.test"))
    with pytest.raises(AlreadyMember):
        f.invitation(tenant, "already@example.test")


def test_invitations_count_against_the_users_quota(app):
    tenant = f.tenant(plan="free")
    for _ in range(4):
        f.invitation(tenant)
    with pytest.raises(QuotaExceeded) as exc:
        f.invitation(tenant)
    assert exc.value.field == "email"
    assert db.session.query(TenantInvitation).filter_by(tenant_id=tenant.id).count() == 4


def test_accept_joins_with_the_invited_role_and_burns_the_token(app):
    tenant = f.tenant()
    _, token = f.invitation(tenant, "joiner@example.test", role="admin")
    joiner = f.user("joiner@example.test")
    membership = invitations.accept(token, joiner)
    assert membership.role == "admin"
    with pytest.raises(InvitationInvalid) as exc:
        invitations.accept(token, joiner)
    assert exc.value.code == "invitation_used"


def test_accept_is_bound_to_the_invited_email(app):
    tenant = f.tenant()
    _, token = f.invitation(tenant, "intended@example.test")
    with pytest.raises(InvitationInvalid) as exc:
        invitations.accept(token, f.user("someone-else@example.test"))
    assert exc.value.code == "invitation_email_mismatch"


def test_new_person_sets_name_and_password_and_joins(app):
    tenant = f.tenant()
    _, token = f.invitation(tenant, "fresh@example.test", role="viewer")
    user, membership = invitations.accept_as_new_user(token, "Fresh Person", "a-long-enough-secret")
    assert user.email == "fresh@example.test" and user.check_password("a-long-enough-secret")
    assert membership.role == "viewer" and membership.tenant_id == tenant.id


@pytest.mark.parametrize("mutate, code", [
    (lambda inv: setattr(inv, "expires_at", utcnow() - timedelta(minutes=1)), "invitation_expired"),
    (lambda inv: setattr(inv, "status", "revoked"), "invitation_revoked"),
    (lambda inv: setattr(inv, "status", "accepted"), "invitation_used"),
])
def test_unusable_links_say_why(app, mutate, code):
    invitation, token = f.invitation(f.tenant())
    mutate(invitation)
    db.session.commit()
    with pytest.raises(InvitationInvalid) as exc:
        invitations.lookup(token)
    assert exc.value.code == code


def test_tampered_token_is_not_found(app):
    _, token = f.invitation(f.tenant())
    with pytest.raises(InvitationInvalid) as exc:
        invitations.lookup(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert exc.value.code == "invitation_not_found"


def test_resend_rotates_the_token_and_restarts_expiry(app):
    tenant = f.tenant()
    invitation, old_token = f.invitation(tenant)
    invitation.expires_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    sent = invitations.resend(tenant, invitation.id, SYSTEM)
    assert sent.token != old_token and sent.invitation.send_count == 2
    assert sent.invitation.expires_at - utcnow() > timedelta(days=6)
    with pytest.raises(InvitationInvalid):
        invitations.lookup(old_token)
    assert invitations.lookup(sent.token).id == invitation.id


def test_revoke_frees_the_seat_and_kills_the_link(app):
    tenant = f.tenant()
    invitation, token = f.invitation(tenant)
    invitations.revoke(tenant, invitation.id, SYSTEM)
    with pytest.raises(InvitationInvalid) as exc:
        invitations.lookup(token)
    assert exc.value.code == "invitation_revoked"


def test_another_tenants_invitation_is_not_found(app):
    mine, theirs = f.tenant(), f.tenant()
    invitation, _ = f.invitation(theirs)
    with pytest.raises(NotFound):
        invitations.revoke(mine, invitation.id, SYSTEM)
    with pytest.raises(NotFound):
        invitations.resend(mine, invitation.id, SYSTEM)
    db.session.expire_all()
    assert db.session.get(TenantInvitation, invitation.id).status == "pending"


def test_invitation_email_reaches_a_real_smtp_server_with_a_link_from_public_url(app, mailbox):
    from tests.mailbox import first_link

    tenant = f.tenant(name="Mail Test Co")
    _, token = f.invitation(tenant, "mailme@example.test")
    message = mailbox.wait_for("mailme@example.test")
    assert "Mail Test Co" in message["Subject"]
    assert first_link(message, "/invitations/") == f"http://portal.test/invitations/{token}"


def test_expired_pending_invitation_can_be_replaced(app):
    tenant = f.tenant()
    invitation, _ = f.invitation(tenant, "again@example.test")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    replacement, _ = f.invitation(tenant, "again@example.test")
    db.session.expire_all()
    assert db.session.get(TenantInvitation, invitation.id).status == "expired"
    assert replacement.status == "pending"
    assert not db.session.scalar(select(TenantUser).where(TenantUser.tenant_id == tenant.id,
                                                          TenantUser.role == "member"))
