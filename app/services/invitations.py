"""Invitations: invite by email, resend, revoke, and redeem the single-use link."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext
from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Tenant, TenantInvitation, TenantUser, User
from app.models.enums import InvitationStatus
from app.models.types import utcnow
from app.services import accounts, domains, emails, quotas, tenant_status
from app.services.audit import Actor, record
from app.services.authority import Authority
from app.services.email_verification import mark_verified
from app.services.errors import AlreadyInvited, AlreadyMember, InvitationInvalid, NotFound, ValidationError
from app.services.members import add_member, build_membership, ensure_may_grant, validate_role
from app.services.pagination import Page, paginate
from app.services.transaction import lock_tenant, unit_of_work


def new_token() -> tuple[str, str]:
    """A 256-bit URL-safe token and its SHA-256 hash (only the hash is stored)."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ttl_days() -> int:
    from flask import current_app

    return int(current_app.config.get("INVITATION_TTL_DAYS", 7))


@dataclass
class SentInvitation:
    invitation: TenantInvitation
    token: str
    email_sent: bool


def ensure_invitable(session: Session, tenant: Tenant, email: str) -> TenantInvitation | None:
    """Refuse a current member (`AlreadyMember`) or an address with a live pending invitation
    (`AlreadyInvited`). Returns a pending but expired invitation the caller should retire, if any.
    Writes nothing, so previews (bulk invitations) can ask the same question."""
    member = session.scalar(select(TenantUser).join(User, User.id == TenantUser.user_id)
                            .where(TenantUser.tenant_id == tenant.id, User.email == email))
    if member is not None:
        raise AlreadyMember(gettext("%(email)s is already a member of %(tenant)s.", email=email, tenant=tenant.name), field="email")
    pending = session.scalar(select(TenantInvitation).where(
        TenantInvitation.tenant_id == tenant.id, TenantInvitation.email == email,
        TenantInvitation.status == "pending"))
    if pending is not None and not pending.is_expired():
        raise AlreadyInvited(gettext("%(email)s already has a pending invitation; resend it instead.", email=email), field="email")
    return pending


def build_invitation(session: Session, tenant: Tenant, email: str, role: str,
                     actor: Actor) -> tuple[TenantInvitation, str]:
    """Add one invitation (and its audit event) to the open unit of work; the caller holds the
    tenant lock and emails the returned token after commit. `email` and `role` are already clean."""
    stale = ensure_invitable(session, tenant, email)
    if stale is not None:
        stale.status = "expired"
        session.flush()
    quotas.ensure_seats_available(tenant, 1)
    token, token_hash = new_token()
    now = utcnow()
    invitation = TenantInvitation(tenant_id=tenant.id, email=email, role=role, token_hash=token_hash,
                                  status="pending", expires_at=now + timedelta(days=_ttl_days()),
                                  invited_by_id=actor.user_id, created_at=now, last_sent_at=now, send_count=1)
    session.add(invitation)
    session.flush()
    record("invitation.created", actor, tenant_id=tenant.id, target_type="invitation", target_id=invitation.id,
           details={"email": email, "role": role})
    return invitation, token


def invite(tenant: Tenant, email: str, role: str, authority: Authority) -> SentInvitation:
    """Invite `email` to the tenant with `role` and email them a link.

    A pending invitation holds a seat, so the users quota is checked here. Refused for a
    current member (`AlreadyMember`) or an address with an invitation pending (`AlreadyInvited`).
    """
    email = accounts.clean_email(email)
    role = validate_role(role)
    ensure_may_grant(authority, tenant, role)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        invitation, token = build_invitation(session, tenant, email, role, authority)
    sent = emails.send_invitation(invitation, token)
    return SentInvitation(invitation, token, sent)


@dataclass
class AddResult:
    """What `add_or_invite` did: joined an existing account, or invited a new address."""

    membership: TenantUser | None = None
    invitation: TenantInvitation | None = None
    token: str | None = None
    email_sent: bool = False


def may_add_directly(tenant: Tenant, user: User, authority: Authority) -> bool:
    """Whether `user` may join `tenant` without accepting an invitation: only a verified address, and
    only when the adder vouches for it: a platform admin, or the tenant owns the address's domain."""
    if not user.is_email_verified or user.is_disabled:
        return False
    return authority.is_platform_admin or domains.tenant_has_verified_domain(tenant, domains.email_domain(user.email))


def add_or_invite(tenant: Tenant, email: str, role: str, authority: Authority) -> AddResult:
    """Add the account with this address at once when `may_add_directly`; otherwise invite the
    address by email, whether or not it has an account, so the answer (an invitation) tells the
    adder nothing about who is registered, and nobody joins a tenant on an address they do not own."""
    email = accounts.clean_email(email)
    user = accounts.find_user(email)
    if user is not None and may_add_directly(tenant, user, authority):
        return AddResult(membership=add_member(tenant, user, role, authority))
    sent = invite(tenant, email, role, authority)
    return AddResult(invitation=sent.invitation, token=sent.token, email_sent=sent.email_sent)


def invitations_query(tenant: Tenant, status: str | None = InvitationStatus.PENDING) -> Select:
    """The tenant's invitations (pending ones by default; None: all), newest first."""
    stmt = select(TenantInvitation).where(TenantInvitation.tenant_id == tenant.id)
    if status:
        stmt = stmt.where(TenantInvitation.status == status)
    return stmt.order_by(TenantInvitation.created_at.desc(), TenantInvitation.id.desc())


def list_invitations(tenant: Tenant, status: str | None = InvitationStatus.PENDING) -> list[TenantInvitation]:
    """The tenant's invitations (pending ones by default), newest first."""
    return list(db.session.scalars(invitations_query(tenant, status)))


def page_invitations(tenant: Tenant, status: str | None, page: int, per_page: int) -> Page[TenantInvitation]:
    """One page of `list_invitations`, read as one page from the database."""
    return paginate(invitations_query(tenant, status), page, per_page)


def get_invitation(tenant: Tenant, invitation_id: int | str) -> TenantInvitation:
    """An invitation of this tenant; another tenant's invitation is not found."""
    try:
        inv_id = int(invitation_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("Invitation not found."), code="invitation_not_found") from None
    invitation = db.session.scalar(select(TenantInvitation).where(TenantInvitation.id == inv_id,
                                                                  TenantInvitation.tenant_id == tenant.id))
    if invitation is None:
        raise NotFound(gettext("Invitation not found."), code="invitation_not_found")
    return invitation


def resend(tenant: Tenant, invitation_id: int | str, actor: Actor) -> SentInvitation:
    """Send a fresh link (the old one stops working) and restart the expiry clock."""
    token, token_hash = new_token()
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        invitation = get_invitation(tenant, invitation_id)
        if invitation.status not in ("pending", "expired"):
            raise ValidationError(gettext("This invitation was %(status)s; send a new one.", status=invitation.status), field="invitation")
        if invitation.status == "expired" or invitation.is_expired():
            # An expired invitation gave its seat back; it needs one again.
            invitation.status = "expired"
            session.flush()
            quotas.ensure_seats_available(tenant, 1)
        now = utcnow()
        invitation.status = "pending"
        invitation.token_hash = token_hash
        invitation.expires_at = now + timedelta(days=_ttl_days())
        invitation.last_sent_at = now
        invitation.send_count = (invitation.send_count or 1) + 1
        record("invitation.resent", actor, tenant_id=tenant.id, target_type="invitation", target_id=invitation.id,
               details={"email": invitation.email})
    sent = emails.send_invitation(invitation, token)
    return SentInvitation(invitation, token, sent)


def revoke(tenant: Tenant, invitation_id: int | str, actor: Actor) -> TenantInvitation:
    """Cancel a pending invitation; its link stops working and its seat is freed."""
    with unit_of_work():
        invitation = get_invitation(tenant, invitation_id)
        if invitation.status != "pending":
            raise ValidationError(gettext("This invitation is already %(status)s.", status=invitation.status), field="invitation")
        invitation.status = "revoked"
        emails.cancel_waiting(f"invitation:{invitation.id}")  # a retried email must not deliver a dead link
        record("invitation.revoked", actor, tenant_id=tenant.id, target_type="invitation", target_id=invitation.id,
               details={"email": invitation.email})
    return invitation


INVALID_REASONS = {
    "invitation_not_found": "This invitation link is not valid. Check that you copied the whole link, "
                            "or ask for a new invitation.",
    "invitation_expired": "This invitation has expired. Ask the person who invited you to resend it.",
    "invitation_revoked": "This invitation was withdrawn. Ask an admin of the organisation for a new one.",
    "invitation_used": "This invitation has already been used. Sign in to reach the organisation.",
    "invitation_tenant_unavailable": "The organisation behind this invitation is not available.",
}


def _invalid(reason: str) -> InvitationInvalid:
    return InvitationInvalid(INVALID_REASONS[reason], code=reason)


def lookup(token: str | None) -> TenantInvitation:
    """The pending invitation a link's token names, or `InvitationInvalid` saying why not."""
    if not token or len(token) > 200:
        raise _invalid("invitation_not_found")
    invitation = db.session.scalar(select(TenantInvitation).where(TenantInvitation.token_hash == hash_token(token)))
    if invitation is None:
        raise _invalid("invitation_not_found")
    if invitation.status == "accepted":
        raise _invalid("invitation_used")
    if invitation.status == "revoked":
        raise _invalid("invitation_revoked")
    if invitation.status == "expired" or invitation.is_expired():
        raise _invalid("invitation_expired")
    if not tenant_status.takes_new_members(invitation.tenant):
        raise _invalid("invitation_tenant_unavailable")
    return invitation


def _claim(invitation: TenantInvitation, user_id: int | None) -> None:
    """Mark the invitation used with one conditional UPDATE: of parallel redemptions exactly one wins."""
    now = utcnow()
    result = db.session.execute(
        update(TenantInvitation)
        .where(TenantInvitation.id == invitation.id, TenantInvitation.status == "pending",
               TenantInvitation.token_hash == invitation.token_hash, TenantInvitation.expires_at > now)
        .values(status="accepted", accepted_at=now, accepted_by_id=user_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _invalid("invitation_used")


def accept(token: str, user: User, actor: Actor | None = None) -> TenantUser:
    """Redeem the link as an existing, signed-in user whose email the invitation was sent to."""
    invitation = lookup(token)
    if user.email != invitation.email:
        raise InvitationInvalid(gettext("This invitation was sent to %(email)s; sign in with that address.", email=invitation.email),
                                code="invitation_email_mismatch")
    actor = actor or Actor.for_user(user)
    with unit_of_work() as session:
        lock_tenant(session, invitation.tenant_id)
        _claim(invitation, user.id)
        # The claim freed the invitation's seat; build_membership takes it again under the lock.
        existing = session.scalar(select(TenantUser).where(TenantUser.tenant_id == invitation.tenant_id,
                                                           TenantUser.user_id == user.id))
        if existing is not None:
            raise AlreadyMember(gettext("You are already a member of this organisation."), field="email")
        membership = build_membership(invitation.tenant, user, invitation.role, actor)
        record("invitation.accepted", actor, tenant_id=invitation.tenant_id, target_type="invitation",
               target_id=invitation.id, details={"email": user.email, "role": invitation.role})
        mark_verified(user, actor, how="invitation")  # the link reached the address
    return membership


def accept_as_new_user(token: str, name: str, password: str, ip: str | None = None) -> tuple[User, TenantUser]:
    """Redeem the link by creating an account for the invited address, then joining."""
    invitation = lookup(token)
    if accounts.find_user(invitation.email) is not None:
        raise InvitationInvalid(gettext("An account for this address exists already: sign in to accept."),
                                code="invitation_sign_in_required")
    if not (name or "").strip():
        raise ValidationError(gettext("Name is required."), field="name")
    with unit_of_work() as session:
        lock_tenant(session, invitation.tenant_id)
        # Claim before creating the account: of parallel redemptions exactly one gets past this
        # line, so the losers see "already used" rather than a clash on the unique email.
        _claim(invitation, None)
        user = accounts.build_user(invitation.email, password, name, email_verified=True)  # the link reached it
        session.execute(update(TenantInvitation).where(TenantInvitation.id == invitation.id)
                        .values(accepted_by_id=user.id).execution_options(synchronize_session=False))
        actor = Actor.for_user(user, ip=ip)
        membership = build_membership(invitation.tenant, user, invitation.role, actor)
        record("invitation.accepted", actor, tenant_id=invitation.tenant_id, target_type="invitation",
               target_id=invitation.id, details={"email": user.email, "role": invitation.role, "new_account": True})
        session.flush()
    return user, membership
