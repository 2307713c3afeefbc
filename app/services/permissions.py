"""Roles and what each may do in a tenant. The single table every route consults."""

from __future__ import annotations

from app.models import ROLES

ROLE_RANK = {"viewer": 1, "member": 2, "admin": 3, "owner": 4}
assert set(ROLE_RANK) == set(ROLES)

# permission -> the least role that holds it. Platform admins hold every permission.
PERMISSIONS: dict[str, str] = {
    "tenant.read": "viewer",
    "members.read": "viewer",
    "quota.read": "viewer",
    "usage.read": "viewer",
    "plans.read": "viewer",
    "documents.read": "viewer",
    "documents.write": "member",
    "documents.delete_any": "admin",
    "members.manage": "admin",
    "invitations.manage": "admin",
    "plan.change": "admin",
    "settings.update": "admin",
    "apikeys.manage": "admin",
    "audit.read": "admin",
    "sso.manage": "admin",
    "domains.manage": "owner",
    "tenant.delete": "owner",
    "ownership.transfer": "owner",
}

# Operations that belong to the platform, whatever role one holds in a tenant.
PLATFORM_PERMISSIONS = frozenset({
    "tenants.create", "tenants.list_all", "tenants.set_status", "tenants.purge", "platform.admin",
})


def role_allows(role: str | None, permission: str) -> bool:
    """Whether `role` (None: not a member) holds `permission` in a tenant."""
    if permission in PLATFORM_PERMISSIONS or role is None:
        return False
    return ROLE_RANK[role] >= ROLE_RANK[PERMISSIONS[permission]]


def outranks_or_equals(role: str, other: str) -> bool:
    return ROLE_RANK[role] >= ROLE_RANK[other]
