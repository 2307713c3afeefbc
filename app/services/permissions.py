"""Permissions: what each role may do in a tenant, and whether doing it writes. The one table every route consults.

A route declares one permission by name (`app.tenancy.routes`). A `Permission` knows the least
role that holds it and whether it *writes*: the guard refuses a write-method request declared with
a read permission, and a tenant state that allows only reading (billing's `read_only`) is checked
in that one guard, against `writes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.models.enums import Role

# The role order, for callers that want a number (higher is stronger); it comes from `Role`.
ROLE_RANK = {role.value: role.rank for role in Role}


@dataclass(frozen=True)
class Permission:
    """One thing a caller may be allowed to do. `least_role` None: a platform permission."""

    name: str
    least_role: Role | None
    writes: bool
    # Billing's own pages: they stay open while the tenant is unpaid (read-only, suspended for
    # non-payment, pending deletion), so the owner can always reach the way to pay.
    billing: bool = False
    # The way back from an expired subscription: the plan picker stays open while the tenant is
    # expired, or "choose a plan to continue" would lead to a refusal.
    open_when_expired: bool = False

    @property
    def is_platform(self) -> bool:
        return self.least_role is None

    def __str__(self) -> str:
        return self.name


def _tenant(name: str, least_role: Role, *, writes: bool, billing: bool = False,
            open_when_expired: bool = False) -> Permission:
    return Permission(name, least_role, writes, billing, open_when_expired)


_TENANT_PERMISSIONS = (
    _tenant("tenant.read", Role.VIEWER, writes=False),
    _tenant("members.read", Role.VIEWER, writes=False),
    _tenant("quota.read", Role.VIEWER, writes=False),
    _tenant("usage.read", Role.VIEWER, writes=False),
    _tenant("plans.read", Role.VIEWER, writes=False, open_when_expired=True),
    _tenant("documents.read", Role.VIEWER, writes=False),
    # Every member may leave, viewers included; leaving changes the membership, so it writes.
    _tenant("membership.leave", Role.VIEWER, writes=True),
    _tenant("documents.write", Role.MEMBER, writes=True),
    _tenant("documents.delete_any", Role.ADMIN, writes=True),
    _tenant("members.manage", Role.ADMIN, writes=True),
    _tenant("invitations.manage", Role.ADMIN, writes=True),
    _tenant("plan.change", Role.ADMIN, writes=True, open_when_expired=True),
    _tenant("settings.update", Role.ADMIN, writes=True),
    _tenant("apikeys.manage", Role.ADMIN, writes=True),
    _tenant("audit.read", Role.ADMIN, writes=False),
    _tenant("sso.manage", Role.ADMIN, writes=True),
    _tenant("domains.manage", Role.OWNER, writes=True),
    _tenant("scim.manage", Role.OWNER, writes=True),
    _tenant("tenant.delete", Role.OWNER, writes=True),
    _tenant("ownership.transfer", Role.OWNER, writes=True),
    _tenant("apikeys.reown", Role.OWNER, writes=True),
    # Viewers, members and admins see nothing of billing.
    _tenant("billing.read", Role.OWNER, writes=False, billing=True),
    _tenant("billing.manage", Role.OWNER, writes=True, billing=True),
)

# permission name -> the least role that holds it. Platform admins hold every permission.
PERMISSIONS: dict[str, str] = {p.name: p.least_role.value for p in _TENANT_PERMISSIONS}

# Operations that belong to the platform, whatever role one holds in a tenant.
PLATFORM_PERMISSIONS = frozenset({
    "tenants.create", "tenants.list_all", "tenants.set_status", "tenants.purge", "platform.admin",
})

REGISTRY: dict[str, Permission] = {
    **{p.name: p for p in _TENANT_PERMISSIONS},
    **{name: Permission(name, None, writes=True) for name in PLATFORM_PERMISSIONS},
}


def get_permission(name: str | Permission) -> Permission:
    """The permission called `name`; an unknown name is a programming error, refused at declaration."""
    if isinstance(name, Permission):
        return name
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"Unknown permission {name!r}; add it to app/services/permissions.py") from None


def role_allows(role: str | None, permission: str | Permission) -> bool:
    """Whether `role` (None: not a member) holds `permission` in a tenant."""
    perm = get_permission(permission)
    if perm.is_platform or role is None:
        return False
    return Role(role).rank >= perm.least_role.rank


def outranks_or_equals(role: str, other: str) -> bool:
    return Role(role).outranks_or_equals(other)
