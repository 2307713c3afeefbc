"""Membership of users in a tenant: add, change role, remove, transfer ownership."""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import Select, case, func, select

from app.extensions import db
from app.models import ROLES, ApiKey, Role, Tenant, TenantInvitation, TenantUser, User
from app.models.enums import InvitationStatus, MembershipStatus
from app.models.types import utcnow
from app.services import quotas
from app.services.audit import Actor, record
from app.services.authority import Authority, allows, may_grant
from app.services.errors import AlreadyMember, LastOwner, NotFound, PermissionDenied, ValidationError
from app.services.pagination import Page, paginate
from app.services.transaction import lock_tenant, unit_of_work

# Strongest role first, in the one role order (`Role`).
_ROLE_ORDER = case({role.value: position for position, role in enumerate(Role)}, value=TenantUser.role)


def validate_role(role: str | None, field: str = "role") -> str:
    value = (role or "").strip().lower()
    if value not in ROLES:
        raise ValidationError(gettext("Role must be one of %(roles)s.", roles=', '.join(ROLES)), field=field)
    return value


def ensure_may_grant(authority: Authority, tenant: Tenant, role: str) -> None:
    """Nobody grants (or takes away) a role above their own; only owners make owners."""
    if not may_grant(authority, tenant, role):
        strongest = authority.strongest_role_in(tenant)
        raise PermissionDenied(gettext("An %(value)s cannot grant the %(role)s role.", value=strongest or 'outsider', role=role), field="role")


def members_query(tenant: Tenant) -> Select:
    """Active and disabled members, owners first, then by name."""
    return (select(TenantUser).join(User, User.id == TenantUser.user_id)
            .where(TenantUser.tenant_id == tenant.id)
            .order_by(_ROLE_ORDER, func.lower(User.name), User.email, TenantUser.id))


def list_members(tenant: Tenant) -> list[TenantUser]:
    """Every member, owners first, then by name."""
    return list(db.session.scalars(members_query(tenant)).unique())


def page_members(tenant: Tenant, page: int, per_page: int) -> Page[TenantUser]:
    """One page of `list_members`, read as one page from the database."""
    return paginate(members_query(tenant), page, per_page)


def get_membership(tenant: Tenant, user_id: int | str) -> TenantUser:
    """The membership of `user_id` in this tenant; another tenant's member is simply not found."""
    try:
        uid = int(user_id)
    except (TypeError, ValueError):
        raise NotFound(gettext("Member not found."), code="member_not_found") from None
    membership = db.session.scalar(select(TenantUser).where(TenantUser.tenant_id == tenant.id,
                                                            TenantUser.user_id == uid))
    if membership is None:
        raise NotFound(gettext("Member not found."), code="member_not_found")
    return membership


def is_sole_owner(membership: TenantUser) -> bool:
    """Whether this member is the tenant's only active owner (who may be neither demoted nor removed)."""
    return membership.role == Role.OWNER and membership.status == MembershipStatus.ACTIVE \
        and _owner_count(membership.tenant_id) <= 1


def _owner_count(tenant_id: str) -> int:
    return db.session.scalar(select(func.count()).select_from(TenantUser).where(
        TenantUser.tenant_id == tenant_id, TenantUser.role == Role.OWNER, TenantUser.status == MembershipStatus.ACTIVE)) or 0


def build_membership(tenant: Tenant, user: User, role: str, actor: Actor) -> TenantUser:
    """Add `user` to `tenant` in the current transaction, checking the seat quota (tenant locked)."""
    existing = db.session.scalar(select(TenantUser).where(TenantUser.tenant_id == tenant.id,
                                                          TenantUser.user_id == user.id))
    if existing is not None:
        raise AlreadyMember(gettext("%(email)s is already a member of %(tenant)s.", email=user.email, tenant=tenant.name), field="email")
    # A pending invitation for this person already holds their seat; it is consumed here.
    pending = db.session.scalar(select(TenantInvitation).where(
        TenantInvitation.tenant_id == tenant.id, TenantInvitation.email == user.email,
        TenantInvitation.status == InvitationStatus.PENDING))
    if pending is None or pending.is_expired():
        quotas.ensure_seats_available(tenant, 1)
    if pending is not None:
        pending.status = InvitationStatus.ACCEPTED
        pending.accepted_at = utcnow()
        pending.accepted_by_id = user.id
    membership = TenantUser(tenant_id=tenant.id, user_id=user.id, role=role, status=MembershipStatus.ACTIVE,
                            joined_at=utcnow())
    db.session.add(membership)
    db.session.flush()
    record("member.added", actor, tenant_id=tenant.id, target_type="user", target_id=user.id,
           details={"email": user.email, "role": role})
    return membership


def add_member(tenant: Tenant, user: User, role: str, authority: Authority) -> TenantUser:
    """Add an existing account to the tenant at once (counts against the users quota)."""
    role = validate_role(role)
    ensure_may_grant(authority, tenant, role)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        return build_membership(tenant, user, role, authority)


def change_role(tenant: Tenant, user_id: int | str, new_role: str, authority: Authority) -> TenantUser:
    """Change a member's role. The last owner cannot be demoted; only owners touch owners."""
    new_role = validate_role(new_role)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        membership = get_membership(tenant, user_id)
        old_role = membership.role
        if old_role == new_role:
            return membership
        ensure_may_grant(authority, tenant, new_role)
        ensure_may_grant(authority, tenant, old_role)
        if old_role == Role.OWNER and _owner_count(tenant.id) <= 1:
            if authority.user_id == membership.user_id:
                raise LastOwner(gettext("You are the only owner. Make someone else an owner (or transfer ownership) first."), field="role")
            raise LastOwner(gettext("%(email)s is the only owner. Make someone else an owner (or transfer ownership) first.", email=membership.user.email), field="role")
        membership.role = new_role
        if old_role == Role.OWNER and tenant.owner_id == membership.user_id:
            tenant.owner_id = _another_owner_id(tenant.id, membership.user_id)
        record("member.role_changed", authority, tenant_id=tenant.id, target_type="user", target_id=membership.user_id,
               details={"email": membership.user.email, "from": old_role, "to": new_role})
    return membership


def _another_owner_id(tenant_id: str, excluding_user_id: int) -> int | None:
    return db.session.scalar(select(TenantUser.user_id).where(
        TenantUser.tenant_id == tenant_id, TenantUser.role == Role.OWNER,
        TenantUser.status == MembershipStatus.ACTIVE, TenantUser.user_id != excluding_user_id).order_by(TenantUser.joined_at).limit(1))


def remove_member(tenant: Tenant, user_id: int | str, authority: Authority) -> None:
    """Remove a member (or let one leave). The last owner cannot be removed."""
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        membership = get_membership(tenant, user_id)
        leaving_self = authority.user_id is not None and authority.user_id == membership.user_id
        if not leaving_self:
            ensure_may_grant(authority, tenant, membership.role)
        if membership.role == Role.OWNER and _owner_count(tenant.id) <= 1:
            if leaving_self:
                raise LastOwner(gettext("You are the only owner, so you cannot leave. Transfer ownership first."), field="user_id")
            raise LastOwner(gettext("%(email)s is the only owner and cannot be removed. Transfer ownership first.", email=membership.user.email), field="user_id")
        if tenant.owner_id == membership.user_id:
            tenant.owner_id = _another_owner_id(tenant.id, membership.user_id)
        email = membership.user.email
        session.delete(membership)
        revoked = _revoke_keys_owned_by(tenant, membership.user_id, authority)
        record("member.removed", authority, tenant_id=tenant.id, target_type="user", target_id=membership.user_id,
               details={"email": email, "role": membership.role, "left": leaving_self, "keys_revoked": revoked})


def _revoke_keys_owned_by(tenant: Tenant, user_id: int, actor: Actor) -> int:
    """A leaving member's API keys in this tenant go with them (an owner who wants one kept re-owns
    it first, `api_keys.reown_key`). Here, not in api_keys, which builds on this module."""
    keys = list(db.session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant.id, ApiKey.owned_by_id == user_id,
                                                        ApiKey.revoked_at.is_(None))))
    now = utcnow()
    for key in keys:
        key.revoked_at = now
        record("apikey.revoked", actor, tenant_id=tenant.id, target_type="api_key", target_id=key.id,
               details={"name": key.name, "reason": "owner_left"})
    return len(keys)


def transfer_ownership(tenant: Tenant, new_owner_user_id: int | str, authority: Authority) -> TenantUser:
    """Make another member the owner; the current primary owner becomes an admin."""
    if not allows(authority, "ownership.transfer", tenant):
        raise PermissionDenied(gettext("Only an owner can transfer ownership."), field="user_id")
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        new_owner = get_membership(tenant, new_owner_user_id)
        if new_owner.status != MembershipStatus.ACTIVE:
            raise ValidationError(gettext("Ownership can only go to an active member."), field="user_id")
        previous_owner_id = tenant.owner_id
        if previous_owner_id == new_owner.user_id:
            return new_owner
        new_owner.role = Role.OWNER
        tenant.owner_id = new_owner.user_id
        if previous_owner_id is not None:
            previous = db.session.scalar(select(TenantUser).where(TenantUser.tenant_id == tenant.id,
                                                                  TenantUser.user_id == previous_owner_id))
            if previous is not None:
                previous.role = Role.ADMIN
        record("tenant.ownership_transferred", authority, tenant_id=tenant.id, target_type="user",
               target_id=new_owner.user_id,
               details={"from_user_id": previous_owner_id, "to": new_owner.user.email})
    return new_owner
