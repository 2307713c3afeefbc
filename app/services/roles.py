"""Custom roles: create, edit, delete a tenant's own roles and give members several (issue 17).

A custom role is a named set of catalogue permissions (`services.permissions.CATALOGUE`). A member
holds one built-in role (`tenant_users.role`; `owner` among them, so the last-owner rules stay in
`services.members`) and any number of custom roles; `authority.allows` grants the union.

Rules written once, here: custom roles are a plan feature (`custom_roles`, Professional and up);
a permission outside the catalogue is a 422 naming the field; nobody makes, changes, hands out or
takes away a role with a permission they do not hold themselves; a role someone holds is not
deleted until they are given another (409 `role_in_use`). Every change is audited in its transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask_babel import gettext
from sqlalchemy import delete, func, select

from app.extensions import db
from app.models import ROLES, ApiKey, Role, Tenant, TenantRole, TenantUserRole
from app.services import entitlements
from app.services.audit import record
from app.services.authority import Authority, allows
from app.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.services.field_errors import FieldErrors
from app.services.permissions import CATALOGUE_NAMES
from app.services.transaction import lock_tenant, unit_of_work

NAME_MAX = 64
DESCRIPTION_MAX = 500
FEATURE = "custom_roles"


def list_roles(tenant: Tenant) -> list[tuple[TenantRole, int]]:
    """The tenant's custom roles by name, each with how many members hold it."""
    counts = (select(TenantUserRole.role_id, func.count().label("n")).where(TenantUserRole.tenant_id == tenant.id)
              .group_by(TenantUserRole.role_id).subquery())
    rows = db.session.execute(select(TenantRole, func.coalesce(counts.c.n, 0))
                              .outerjoin(counts, counts.c.role_id == TenantRole.id)
                              .where(TenantRole.tenant_id == tenant.id).order_by(func.lower(TenantRole.name)))
    return [(role, int(count)) for role, count in rows]


def get_role(tenant: Tenant, role_id: int | str) -> TenantRole:
    """The custom role `role_id` of this tenant; another tenant's role is simply not found."""
    try:
        rid = int(role_id)
    except (TypeError, ValueError):
        rid = None
    role = None if rid is None else db.session.scalar(
        select(TenantRole).where(TenantRole.tenant_id == tenant.id, TenantRole.id == rid))
    if role is None:
        raise NotFound(gettext("Role not found."), code="role_not_found")
    return role


def custom_permissions(tenant_id: str, user_id: int) -> frozenset[str]:
    """The permissions a member holds through their custom roles in `tenant_id`."""
    rows = db.session.scalars(select(TenantRole.permissions).join(TenantUserRole, TenantUserRole.role_id == TenantRole.id)
                              .where(TenantUserRole.tenant_id == tenant_id, TenantUserRole.user_id == user_id))
    return frozenset(name for permissions in rows for name in (permissions or ()) if name in CATALOGUE_NAMES)


def roles_of_members(tenant: Tenant, user_ids: Iterable[int]) -> dict[int, list[TenantRole]]:
    """Each of `user_ids`' custom roles in `tenant` (by name), in one query."""
    ids = list(user_ids)
    held: dict[int, list[TenantRole]] = {uid: [] for uid in ids}
    if not ids:
        return held
    rows = db.session.execute(select(TenantUserRole.user_id, TenantRole).join(TenantRole, TenantRole.id == TenantUserRole.role_id)
                              .where(TenantUserRole.tenant_id == tenant.id, TenantUserRole.user_id.in_(ids))
                              .order_by(func.lower(TenantRole.name)))
    for user_id, role in rows:
        held[user_id].append(role)
    return held


def _clean(name: str | None, description: str | None, permissions: Iterable[str] | None,
           errors: FieldErrors) -> tuple[str | None, str | None, list[str] | None]:
    """Normalised values; every bad field is added to `errors` (None fields are left unchanged)."""
    clean_name = None if name is None else " ".join(str(name).split())
    if clean_name is not None and not clean_name:
        errors.add("name", gettext("Give the role a name."))
    elif clean_name is not None and len(clean_name) > NAME_MAX:
        errors.add("name", gettext("A role name has at most %(n)s characters.", n=NAME_MAX))
    elif clean_name is not None and clean_name.lower() in ROLES:
        errors.add("name", gettext("%(name)s is a built-in role; choose another name.", name=clean_name))
    clean_description = None if description is None else str(description).strip()
    if clean_description is not None and len(clean_description) > DESCRIPTION_MAX:
        errors.add("description", gettext("A description has at most %(n)s characters.", n=DESCRIPTION_MAX))
    clean_permissions = None
    if permissions is not None:
        names = [str(p) for p in permissions]
        unknown = sorted(set(names) - CATALOGUE_NAMES)
        if unknown:
            errors.add("permissions", gettext("Unknown permission: %(names)s.", names=", ".join(unknown)))
        clean_permissions = sorted(set(names) & CATALOGUE_NAMES)
    return clean_name, clean_description, clean_permissions


def _listed(names: Iterable[str]) -> str:
    """Names as one text for an audit event's details (the audit pages show details as text pairs)."""
    return ", ".join(sorted(names)) or "—"


def _ensure_holds(authority: Authority, tenant: Tenant, permissions: Iterable[str]) -> None:
    """Nobody grants a permission they do not hold themselves (platform admins hold all)."""
    missing = sorted(p for p in permissions if not allows(authority, p, tenant))
    if missing:
        raise PermissionDenied(gettext("You cannot grant permissions you do not hold: %(names)s.",
                                       names=", ".join(missing)), field="permissions",
                               details={"permissions": missing})


def _key_for(tenant: Tenant, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "role"
    taken = set(db.session.scalars(select(TenantRole.key).where(TenantRole.tenant_id == tenant.id,
                                                                TenantRole.key.like(f"{base}%"))))
    key, n = base, 2
    while key in taken or key in ROLES:
        key, n = f"{base}-{n}", n + 1
    return key


def _ensure_name_free(tenant: Tenant, name: str, exclude_id: int | None = None) -> None:
    clash = db.session.scalar(select(TenantRole.id).where(TenantRole.tenant_id == tenant.id,
                                                          func.lower(TenantRole.name) == name.lower(),
                                                          TenantRole.id != (exclude_id or -1)))
    if clash is not None:
        raise Conflict(gettext("A role called %(name)s exists already.", name=name), field="name", code="role_name_taken")


def create_role(tenant: Tenant, authority: Authority, *, name: str | None, description: str | None = "",
                permissions: Iterable[str] | None = ()) -> TenantRole:
    """A new custom role in `tenant` (plan feature `custom_roles`; only permissions the caller holds)."""
    entitlements.require_feature(tenant, FEATURE)
    errors = FieldErrors()
    clean_name, clean_description, clean_permissions = _clean(name or "", description or "", permissions or (), errors)
    errors.raise_if_any()
    _ensure_holds(authority, tenant, clean_permissions)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        _ensure_name_free(tenant, clean_name)
        role = TenantRole(tenant_id=tenant.id, key=_key_for(tenant, clean_name), name=clean_name,
                          description=clean_description, permissions=clean_permissions)
        session.add(role)
        session.flush()
        record("role.created", authority, tenant_id=tenant.id, target_type="role", target_id=role.id,
               details={"key": role.key, "name": role.name, "permissions": _listed(role.permissions)})
    return role


def update_role(tenant: Tenant, role_id: int | str, authority: Authority, *, name: str | None = None,
                description: str | None = None, permissions: Iterable[str] | None = None) -> TenantRole:
    """Change a custom role's name, description or permissions (None: unchanged)."""
    role = get_role(tenant, role_id)
    entitlements.require_feature(tenant, FEATURE)
    errors = FieldErrors()
    clean_name, clean_description, clean_permissions = _clean(name, description, permissions, errors)
    errors.raise_if_any()
    if clean_permissions is not None:
        # Both what is added and what is taken away: changing a role changes what its holders may do.
        _ensure_holds(authority, tenant, set(clean_permissions) ^ set(role.permissions))
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        before = {"name": role.name, "description": role.description, "permissions": _listed(role.permissions)}
        if clean_name is not None:
            _ensure_name_free(tenant, clean_name, exclude_id=role.id)
            role.name = clean_name
        if clean_description is not None:
            role.description = clean_description
        if clean_permissions is not None:
            role.permissions = clean_permissions
        after = {"name": role.name, "description": role.description, "permissions": _listed(role.permissions)}
        if after != before:
            changed = {f"{k}_before": before[k] for k in before if before[k] != after[k]}
            changed.update({k: after[k] for k in after if before[k] != after[k]})
            record("role.updated", authority, tenant_id=tenant.id, target_type="role", target_id=role.id,
                   details={"key": role.key, **changed})
    return role


def delete_role(tenant: Tenant, role_id: int | str, authority: Authority) -> None:
    """Delete a custom role nobody holds; one in use is refused (409) until its holders are reassigned."""
    role = get_role(tenant, role_id)
    _ensure_holds(authority, tenant, role.permissions)
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        holders = session.scalar(select(func.count()).select_from(TenantUserRole)
                                 .where(TenantUserRole.role_id == role.id)) or 0
        keys = session.scalar(select(func.count()).select_from(ApiKey).where(ApiKey.custom_role_id == role.id,
                                                                              ApiKey.revoked_at.is_(None))) or 0
        if keys and not holders:
            raise Conflict(gettext("%(n)s API key(s) hold the role %(name)s. Revoke them first, then delete it.",
                                   n=keys, name=role.name), code="role_in_use", details={"api_keys": keys})
        if holders:
            raise Conflict(gettext("%(n)s member(s) hold the role %(name)s. Give them other roles first, then delete it.",
                                   n=holders, name=role.name), code="role_in_use", details={"members": holders})
        record("role.deleted", authority, tenant_id=tenant.id, target_type="role", target_id=role.id,
               details={"key": role.key, "name": role.name, "permissions": _listed(role.permissions)})
        # Revoked keys keep their history but let go of the role.
        session.execute(ApiKey.__table__.update().where(ApiKey.custom_role_id == role.id).values(custom_role_id=None))
        session.delete(role)


def role_for_key(tenant: Tenant, key: str, authority: Authority) -> TenantRole:
    """The custom role `key` an API key is given (`api_keys.create_key`): in the plan, known, and
    made only of permissions the key's maker holds."""
    entitlements.require_feature(tenant, FEATURE)
    role = db.session.scalar(select(TenantRole).where(TenantRole.tenant_id == tenant.id,
                                                      TenantRole.key == str(key).strip().lower()))
    if role is None:
        raise ValidationError(gettext("Unknown role: %(keys)s.", keys=key), field="custom_role")
    _ensure_holds(authority, tenant, role.permissions)
    return role


def key_permissions(role_id: int | None) -> frozenset[str]:
    """The permissions an API key holds through its custom role (none without one)."""
    if role_id is None:
        return frozenset()
    permissions = db.session.scalar(select(TenantRole.permissions).where(TenantRole.id == role_id))
    return frozenset(name for name in (permissions or ()) if name in CATALOGUE_NAMES)


def split_role_keys(tenant: Tenant, keys: Iterable[str]) -> tuple[str | None, list[TenantRole]]:
    """`keys` as (the one built-in role named, or None; the custom roles named). 422 on an unknown
    key or two built-in roles."""
    wanted = [str(k).strip().lower() for k in keys]
    builtin = [k for k in wanted if k in ROLES]
    custom_keys = sorted(set(wanted) - set(ROLES))
    found = {role.key: role for role in db.session.scalars(
        select(TenantRole).where(TenantRole.tenant_id == tenant.id, TenantRole.key.in_(custom_keys)))} if custom_keys else {}
    unknown = [k for k in custom_keys if k not in found]
    if unknown:
        raise ValidationError(gettext("Unknown role: %(keys)s.", keys=", ".join(unknown)), field="roles")
    if len(set(builtin)) > 1:
        raise ValidationError(gettext("A member holds one built-in role (%(roles)s) besides custom roles.",
                                      roles=", ".join(ROLES)), field="roles")
    return (builtin[0] if builtin else None), [found[k] for k in custom_keys]


def set_member_roles(tenant: Tenant, user_id: int | str, keys: Iterable[str], authority: Authority):
    """Give a member exactly the roles `keys` (role keys: at most one built-in, any custom ones).

    Without a built-in key the member's built-in role stays as it is. The built-in part goes through
    `members.change_role` (the last-owner and who-grants-what rules); each custom role added or taken
    away must hold only permissions the caller holds."""
    from app.services import members  # members builds on authority; roles on members, not the reverse

    builtin, custom = split_role_keys(tenant, keys)
    membership = members.get_membership(tenant, user_id)
    if custom:
        entitlements.require_feature(tenant, FEATURE)
    held = {role.id: role for role in roles_of_members(tenant, [membership.user_id])[membership.user_id]}
    wanted = {role.id: role for role in custom}
    changed = [held[i] for i in held.keys() - wanted.keys()] + [wanted[i] for i in wanted.keys() - held.keys()]
    _ensure_holds(authority, tenant, {p for role in changed for p in role.permissions})
    if builtin is not None and builtin != membership.role:
        membership = members.change_role(tenant, membership.user_id, builtin, authority)
    if not changed:
        return membership
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        session.execute(delete(TenantUserRole).where(TenantUserRole.tenant_id == tenant.id,
                                                     TenantUserRole.user_id == membership.user_id))
        for role in custom:
            session.add(TenantUserRole(tenant_id=tenant.id, user_id=membership.user_id, role_id=role.id))
        record("member.roles_changed", authority, tenant_id=tenant.id, target_type="user", target_id=membership.user_id,
               details={"email": membership.user.email, "from": _listed(r.key for r in held.values()),
                        "to": _listed(r.key for r in custom), "role": membership.role})
    return membership


def role_keys(membership, custom: Iterable[TenantRole]) -> list[str]:
    """A member's role keys: the built-in one first, then the custom ones."""
    return [Role(membership.role).value, *(role.key for role in custom)]
