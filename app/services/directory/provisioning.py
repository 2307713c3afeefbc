"""What an identity provider's SCIM calls do to accounts, memberships, roles and sessions.

The rules, in plain Python (the protocol is `app/scim`, which turns SCIM resources into the
`UserRecord`/`GroupRecord` values here and back):

- Creating an active user finds the account by email (or creates one without a password: the person
  signs in by SSO or sets a password through "Forgot password") and adds a membership, counted
  against the plan's users quota. A full quota refuses the call and writes nothing.
- The same email provisioned by two tenants is one account with two memberships; each tenant's
  SCIM document (userName, externalId, name, ...) is its own.
- `active: false` and DELETE remove the membership and end the person's sessions bound to this
  tenant (all of them when no other membership is left); the account and the audit trail stay.
- Groups can be mapped to a tenant role by an owner. Once a tenant maps any group, the role of each
  directory-provisioned member is the strongest role of its mapped groups (member when none);
  owners are never changed by the directory.
- Every change is audited with the SCIM token as the actor.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext
from sqlalchemy import Select, delete, func, select

from app.extensions import db
from app.models import Role, ScimGroup, ScimGroupMember, ScimUser, Tenant, TenantUser, User
from app.models.types import utcnow
from app.services import accounts, sessions
from app.services.audit import record
from app.services.authority import Authority, allows
from app.services.errors import Conflict, DomainError, LastOwner, NotFound, PermissionDenied, ValidationError
from app.services.members import build_membership, validate_role
from app.services.transaction import lock_tenant, unit_of_work

# The roles a group can grant: owners are made in the portal, never by a directory.
MAPPABLE_ROLES = (Role.ADMIN, Role.MEMBER, Role.VIEWER)
DEFAULT_ROLE = Role.MEMBER
TEXT_MAX_LENGTH = 254


class DirectoryConflict(Conflict):
    """A unique value (userName, displayName, an account already provisioned) is taken."""

    code = "directory_conflict"


class PreconditionFailed(DomainError):
    """The client's If-Match version is not the stored one."""

    code = "precondition_failed"
    http_status = 412


@dataclass
class UserRecord:
    """A SCIM user as the rules see it. `attributes` is the whole document, stored as given."""

    user_name: str
    email: str
    display_name: str = ""
    external_id: str | None = None
    active: bool = True
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class GroupRecord:
    display_name: str
    external_id: str | None = None
    member_ids: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)


def new_id() -> str:
    return secrets.token_hex(16)


def _key(text: str) -> str:
    return text.strip().lower()


def _checked_text(value: str | None, name: str, *, required: bool) -> str | None:
    if value is None or not value.strip():
        if required:
            raise ValidationError(gettext("%(name)s is required.", name=name), field=name)
        return None
    if len(value) > TEXT_MAX_LENGTH or "\x00" in value:
        raise ValidationError(gettext("%(name)s must be at most %(text_max_length)s characters, without NUL.", name=name, text_max_length=TEXT_MAX_LENGTH), field=name)
    return value


def _audit(action: str, authority: Authority, tenant: Tenant, target_type: str, target_id: str,
           **details: Any) -> None:
    record(action, authority, tenant_id=tenant.id, target_type=target_type, target_id=target_id,
           details={"via": "scim", **details})


def _check_version(row: ScimUser | ScimGroup, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed("The resource changed since that version; read it again.")


# --- users -------------------------------------------------------------------------------

def users_query(tenant: Tenant, *, user_name: str | None = None, external_id: str | None = None) -> Select:
    stmt = select(ScimUser).where(ScimUser.tenant_id == tenant.id)
    if user_name is not None:
        stmt = stmt.where(ScimUser.user_name_key == _key(user_name))
    if external_id is not None:
        stmt = stmt.where(ScimUser.external_id == external_id)
    return stmt.order_by(ScimUser.created_at, ScimUser.id)


def page_users(tenant: Tenant, offset: int, limit: int | None, **filters: str | None) -> tuple[int, list[ScimUser]]:
    """`limit` users from `offset` (0-based), and how many match in all: one page read in SQL."""
    return _window(users_query(tenant, **filters), offset, limit)


def get_user(tenant: Tenant, scim_id: str) -> ScimUser:
    row = db.session.scalar(select(ScimUser).where(ScimUser.id == scim_id, ScimUser.tenant_id == tenant.id))
    if row is None:
        raise NotFound(gettext("User not found."), code="scim_user_not_found")
    return row


def _ensure_user_name_free(tenant: Tenant, user_name: str, excluding: str | None = None) -> None:
    stmt = select(ScimUser.id).where(ScimUser.tenant_id == tenant.id, ScimUser.user_name_key == _key(user_name))
    if excluding is not None:
        stmt = stmt.where(ScimUser.id != excluding)
    if db.session.scalar(stmt) is not None:
        raise DirectoryConflict(f"userName {user_name!r} is already provisioned in this tenant.", field="userName")


def _validated(user: UserRecord) -> UserRecord:
    _checked_text(user.user_name, "userName", required=True)
    _checked_text(user.external_id, "externalId", required=False)
    user.email = accounts.clean_email(user.email, field="emails")
    user.display_name = (user.display_name or "").strip()[:120]
    return user


def create_user(tenant: Tenant, user: UserRecord, authority: Authority) -> ScimUser:
    """Provision a user: the account (found by email, or new) and, when active, its membership."""
    user = _validated(user)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        _ensure_user_name_free(tenant, user.user_name)
        account = accounts.find_user(user.email)
        if account is None:
            account = accounts.build_user(user.email, None, user.display_name)
            session.add(account)
            session.flush()
            record("user.created", authority, target_type="user", target_id=account.id,
                   details={"email": account.email, "via": "scim"})
        elif db.session.scalar(select(ScimUser.id).where(ScimUser.tenant_id == tenant.id,
                                                         ScimUser.user_id == account.id)) is not None:
            raise DirectoryConflict(f"{user.email} is already provisioned in this tenant under another userName.",
                                    field="emails")
        elif not account.name and user.display_name:
            account.name = user.display_name
        if account.password_hash is not None and not account.is_email_verified:
            # Issue 9, finding 2: whoever signed up with this address never proved it; the customer's
            # directory now vouches for the person, so the squatter's password and sessions stop.
            accounts.forget_unproven_credentials(account, authority, how="scim")
        now = utcnow()
        row = ScimUser(id=new_id(), tenant_id=tenant.id, user_id=account.id, user_name=user.user_name,
                       user_name_key=_key(user.user_name), external_id=user.external_id, active=user.active,
                       attributes=user.attributes, version=1, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        if user.active:
            _grant_membership(tenant, row, authority)
        _audit("scim.user_provisioned", authority, tenant, "user", str(account.id), scim_id=row.id,
               user_name=row.user_name, email=account.email, active=row.active)
    return row


def update_user(tenant: Tenant, scim_id: str, user: UserRecord, authority: Authority, *,
                expected_version: int | None = None) -> ScimUser:
    """Replace a user's SCIM document; activating adds the membership back, deactivating removes it.

    The account's email is not changed: the account may belong to other tenants too.
    """
    _checked_text(user.user_name, "userName", required=True)
    _checked_text(user.external_id, "externalId", required=False)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        row = get_user(tenant, scim_id)
        _check_version(row, expected_version)
        _ensure_user_name_free(tenant, user.user_name, excluding=row.id)
        was_active = row.active
        row.user_name, row.user_name_key = user.user_name, _key(user.user_name)
        row.external_id, row.active, row.attributes = user.external_id, user.active, user.attributes
        row.version += 1
        row.updated_at = utcnow()
        if user.active and not was_active:
            _grant_membership(tenant, row, authority)
            action = "scim.user_reactivated"
        elif was_active and not user.active:
            _revoke_membership(tenant, row, authority)
            action = "scim.user_deactivated"
        else:
            action = "scim.user_updated"
        _audit(action, authority, tenant, "user", str(row.user_id), scim_id=row.id, user_name=row.user_name)
    return row


def delete_user(tenant: Tenant, scim_id: str, authority: Authority, *, expected_version: int | None = None) -> None:
    """Deprovision: the membership goes, the sessions in this tenant end; the account and its history stay."""
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        row = get_user(tenant, scim_id)
        _check_version(row, expected_version)
        if row.active:
            _revoke_membership(tenant, row, authority)
        _audit("scim.user_deleted", authority, tenant, "user", str(row.user_id), scim_id=row.id,
               user_name=row.user_name)
        session.delete(row)


def _grant_membership(tenant: Tenant, row: ScimUser, authority: Authority) -> None:
    """The membership of an active directory user (an existing one, made in the portal, is kept)."""
    existing = db.session.scalar(select(TenantUser).where(TenantUser.tenant_id == tenant.id,
                                                          TenantUser.user_id == row.user_id))
    if existing is None:
        build_membership(tenant, row.user, _role_from_groups(tenant, row.id) or DEFAULT_ROLE, authority)


def _revoke_membership(tenant: Tenant, row: ScimUser, authority: Authority) -> None:
    membership = db.session.scalar(select(TenantUser).where(TenantUser.tenant_id == tenant.id,
                                                            TenantUser.user_id == row.user_id))
    if membership is not None:
        if membership.role == Role.OWNER:
            owners = db.session.scalar(select(func.count()).select_from(TenantUser).where(
                TenantUser.tenant_id == tenant.id, TenantUser.role == Role.OWNER)) or 0
            if owners <= 1:
                raise LastOwner(gettext("%(email)s is the tenant's only owner; transfer ownership in the portal before deprovisioning them.", email=row.user.email), field="active")
            if tenant.owner_id == row.user_id:
                tenant.owner_id = db.session.scalar(select(TenantUser.user_id).where(
                    TenantUser.tenant_id == tenant.id, TenantUser.role == Role.OWNER,
                    TenantUser.user_id != row.user_id).limit(1))
        db.session.delete(membership)
        record("member.removed", authority, tenant_id=tenant.id, target_type="user", target_id=row.user_id,
               details={"email": row.user.email, "role": membership.role, "via": "scim"})
        db.session.flush()
    _end_sessions(tenant, row.user)


def _end_sessions(tenant: Tenant, account: User) -> None:
    """Access ends at once: the guard checks membership on every request, and the sessions go too."""
    other_memberships = db.session.scalar(select(func.count()).select_from(TenantUser).where(
        TenantUser.user_id == account.id, TenantUser.tenant_id != tenant.id)) or 0
    if other_memberships or account.is_platform_admin:
        sessions.end_all(account.id, tenant_id=tenant.id)
    else:
        sessions.end_all(account.id)


# --- groups ------------------------------------------------------------------------------

def groups_query(tenant: Tenant, *, display_name: str | None = None, external_id: str | None = None) -> Select:
    stmt = select(ScimGroup).where(ScimGroup.tenant_id == tenant.id)
    if display_name is not None:
        stmt = stmt.where(ScimGroup.display_name_key == _key(display_name))
    if external_id is not None:
        stmt = stmt.where(ScimGroup.external_id == external_id)
    return stmt.order_by(ScimGroup.created_at, ScimGroup.id)


def page_groups(tenant: Tenant, offset: int, limit: int | None, **filters: str | None) -> tuple[int, list[ScimGroup]]:
    return _window(groups_query(tenant, **filters), offset, limit)


def list_groups(tenant: Tenant) -> list[ScimGroup]:
    """Every group, by name (the portal's role mapping)."""
    return list(db.session.scalars(select(ScimGroup).where(ScimGroup.tenant_id == tenant.id)
                                   .order_by(ScimGroup.display_name_key)))


def get_group(tenant: Tenant, group_id: str) -> ScimGroup:
    row = db.session.scalar(select(ScimGroup).where(ScimGroup.id == group_id, ScimGroup.tenant_id == tenant.id))
    if row is None:
        raise NotFound(gettext("Group not found."), code="scim_group_not_found")
    return row


def member_ids(group_ids: list[str]) -> dict[str, list[str]]:
    """The SCIM user ids of each group's members."""
    found: dict[str, list[str]] = {gid: [] for gid in group_ids}
    if group_ids:
        for gid, uid in db.session.execute(select(ScimGroupMember.group_id, ScimGroupMember.scim_user_id)
                                           .where(ScimGroupMember.group_id.in_(group_ids))
                                           .order_by(ScimGroupMember.scim_user_id)):
            found[gid].append(uid)
    return found


def member_counts(group_ids: list[str]) -> dict[str, int]:
    """How many members each group has (the portal's group list)."""
    counts = {gid: 0 for gid in group_ids}
    if group_ids:
        rows = db.session.execute(select(ScimGroupMember.group_id, func.count()).where(
            ScimGroupMember.group_id.in_(group_ids)).group_by(ScimGroupMember.group_id))
        counts.update({gid: count for gid, count in rows})
    return counts


def count_users(tenant: Tenant) -> dict[str, int]:
    """Provisioned users of the tenant: active and deactivated."""
    rows = db.session.execute(select(ScimUser.active, func.count()).where(ScimUser.tenant_id == tenant.id)
                              .group_by(ScimUser.active))
    found = {bool(active): count for active, count in rows}
    return {"active": found.get(True, 0), "inactive": found.get(False, 0)}


def groups_of_users(user_ids: list[str]) -> dict[str, list[ScimGroup]]:
    """The groups each SCIM user belongs to."""
    found: dict[str, list[ScimGroup]] = {uid: [] for uid in user_ids}
    if user_ids:
        rows = db.session.execute(select(ScimGroupMember.scim_user_id, ScimGroup)
                                  .join(ScimGroup, ScimGroup.id == ScimGroupMember.group_id)
                                  .where(ScimGroupMember.scim_user_id.in_(user_ids))
                                  .order_by(ScimGroup.display_name_key))
        for uid, group in rows:
            found[uid].append(group)
    return found


def _ensure_display_name_free(tenant: Tenant, display_name: str, excluding: str | None = None) -> None:
    stmt = select(ScimGroup.id).where(ScimGroup.tenant_id == tenant.id,
                                      ScimGroup.display_name_key == _key(display_name))
    if excluding is not None:
        stmt = stmt.where(ScimGroup.id != excluding)
    if db.session.scalar(stmt) is not None:
        raise DirectoryConflict(f"A group named {display_name!r} already exists in this tenant.", field="displayName")


def _set_members(tenant: Tenant, group: ScimGroup, wanted: list[str]) -> set[str]:
    """Make the group's members exactly `wanted` (this tenant's SCIM users); returns whose groups changed."""
    wanted_ids = list(dict.fromkeys(wanted))
    if wanted_ids:
        known = set(db.session.scalars(select(ScimUser.id).where(ScimUser.tenant_id == tenant.id,
                                                                 ScimUser.id.in_(wanted_ids))))
        unknown = [uid for uid in wanted_ids if uid not in known]
        if unknown:
            raise ValidationError(gettext("No user of this tenant has the id %(unknown)s.", unknown=repr(unknown[0])), field="members")
    current = set(member_ids([group.id])[group.id])
    added, removed = set(wanted_ids) - current, current - set(wanted_ids)
    if removed:
        db.session.execute(delete(ScimGroupMember).where(ScimGroupMember.group_id == group.id,
                                                         ScimGroupMember.scim_user_id.in_(removed)))
    for uid in sorted(added):
        db.session.add(ScimGroupMember(group_id=group.id, scim_user_id=uid))
    db.session.flush()
    return added | removed


def create_group(tenant: Tenant, group: GroupRecord, authority: Authority) -> ScimGroup:
    display_name = _checked_text(group.display_name, "displayName", required=True)
    _checked_text(group.external_id, "externalId", required=False)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        _ensure_display_name_free(tenant, display_name)
        now = utcnow()
        row = ScimGroup(id=new_id(), tenant_id=tenant.id, display_name=display_name,
                        display_name_key=_key(display_name), external_id=group.external_id,
                        attributes=group.attributes, version=1, created_at=now, updated_at=now)
        session.add(row)
        session.flush()
        changed = _set_members(tenant, row, group.member_ids)
        _apply_roles(tenant, changed, authority)
        _audit("scim.group_created", authority, tenant, "scim_group", row.id, display_name=display_name,
               members=len(group.member_ids))
    return row


def update_group(tenant: Tenant, group_id: str, group: GroupRecord, authority: Authority, *,
                 expected_version: int | None = None) -> ScimGroup:
    display_name = _checked_text(group.display_name, "displayName", required=True)
    _checked_text(group.external_id, "externalId", required=False)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        row = get_group(tenant, group_id)
        _check_version(row, expected_version)
        _ensure_display_name_free(tenant, display_name, excluding=row.id)
        row.display_name, row.display_name_key = display_name, _key(display_name)
        row.external_id, row.attributes = group.external_id, group.attributes
        row.version += 1
        row.updated_at = utcnow()
        changed = _set_members(tenant, row, group.member_ids)
        _apply_roles(tenant, changed, authority)
        _audit("scim.group_updated", authority, tenant, "scim_group", row.id, display_name=display_name,
               members_changed=len(changed))
    return row


def delete_group(tenant: Tenant, group_id: str, authority: Authority, *, expected_version: int | None = None) -> None:
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        row = get_group(tenant, group_id)
        _check_version(row, expected_version)
        affected = set(member_ids([row.id])[row.id])
        _audit("scim.group_deleted", authority, tenant, "scim_group", row.id, display_name=row.display_name)
        session.execute(delete(ScimGroupMember).where(ScimGroupMember.group_id == row.id))
        session.delete(row)
        session.flush()
        _apply_roles(tenant, affected, authority)


def set_group_role(tenant: Tenant, group_id: str, role: str | None, authority: Authority) -> ScimGroup:
    """Map a group to a tenant role (None: no mapping); the members' roles follow at once. Owners only."""
    if not allows(authority, "scim.manage", tenant):
        raise PermissionDenied(gettext("Only an owner can map directory groups to roles."))
    if role:
        role = validate_role(role)
        if role not in MAPPABLE_ROLES:
            raise ValidationError(gettext("A group can grant admin, member or viewer; owners are made in the portal."),
                                  field="role")
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        row = get_group(tenant, group_id)
        if row.role == (role or None):
            return row
        before = row.role
        row.role = role or None
        session.flush()
        # Mapping the tenant's first group (or unmapping its last) changes every directory user's role.
        affected = set(db.session.scalars(select(ScimUser.id).where(ScimUser.tenant_id == tenant.id)))
        _apply_roles(tenant, affected, authority)
        record("scim.group_role_mapped", authority, tenant_id=tenant.id, target_type="scim_group", target_id=row.id,
               details={"display_name": row.display_name, "from": before, "to": row.role})
    return row


def _mapping_in_use(tenant: Tenant) -> bool:
    return db.session.scalar(select(ScimGroup.id).where(ScimGroup.tenant_id == tenant.id,
                                                        ScimGroup.role.is_not(None)).limit(1)) is not None


def _role_from_groups(tenant: Tenant, scim_user_id: str) -> Role | None:
    """The strongest role of the user's mapped groups; member when the tenant maps groups but none of its."""
    if not _mapping_in_use(tenant):
        return None
    roles = [Role(g.role) for g in groups_of_users([scim_user_id])[scim_user_id] if g.role]
    return max(roles, key=lambda r: r.rank) if roles else DEFAULT_ROLE


def _apply_roles(tenant: Tenant, scim_user_ids: set[str], authority: Authority) -> None:
    if not scim_user_ids or not _mapping_in_use(tenant):
        return
    rows = db.session.execute(select(ScimUser, TenantUser).join(TenantUser, (TenantUser.user_id == ScimUser.user_id)
                                                                & (TenantUser.tenant_id == tenant.id))
                              .where(ScimUser.id.in_(scim_user_ids), ScimUser.tenant_id == tenant.id)).all()
    for scim_user, membership in rows:
        role = _role_from_groups(tenant, scim_user.id)
        if role is None or membership.role == Role.OWNER or membership.role == role:
            continue
        record("member.role_changed", authority, tenant_id=tenant.id, target_type="user", target_id=membership.user_id,
               details={"email": scim_user.user.email, "from": membership.role, "to": role.value, "via": "scim"})
        membership.role = role.value
    db.session.flush()


# ---------------------------------------------------------------------------------------------

def _window(stmt: Select, offset: int, limit: int | None) -> tuple[int, list[Any]]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if limit == 0:
        return total, []
    page = stmt.offset(offset)
    if limit is not None:
        page = page.limit(limit)
    return total, list(db.session.scalars(page).unique())

