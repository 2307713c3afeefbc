"""Permissions: what each role may do in a tenant, and whether doing it writes. The one table every route consults.

A route declares one permission by name (`app.tenancy.routes`). A `Permission` knows the least
role that holds it and whether it *writes*: the guard refuses a write-method request declared with
a read permission, and a tenant state that allows only reading (billing's `read_only`) is checked
in that one guard, against `writes`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

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
    # Writes that stay open while billing holds the tenant read-only: getting one's data out
    # (issue 17: data export stays open for a read_only tenant).
    open_when_read_only: bool = False
    # The catalogue's words for it (`GET /api/v1/permissions`, the role editor's checkboxes).
    group: str = ""
    label: str = ""
    description: str = ""

    @property
    def is_platform(self) -> bool:
        return self.least_role is None

    def __str__(self) -> str:
        return self.name


# The catalogue's groups, in the order the role editor shows them.
GROUPS = {
    "organisation": _l("Organisation"),
    "members": _l("Members"),
    "knowledge": _l("Knowledge base"),
    "integrations": _l("Integrations"),
    "security": _l("Security"),
    "billing": _l("Billing"),
}

# name -> (group, label, description): what a person choosing permissions for a role reads.
_TEXTS = {
    "tenant.read": ("organisation", _l("View the organisation"), _l("Open the organisation and its dashboard.")),
    "members.read": ("members", _l("View members"), _l("See who belongs to the organisation and their roles.")),
    "quota.read": ("organisation", _l("View quotas"), _l("See the plan's limits and what is used.")),
    "usage.read": ("organisation", _l("View usage"), _l("See API calls and storage over time.")),
    "plans.read": ("billing", _l("View plans"), _l("See the plans and which one the organisation is on.")),
    "documents.read": ("knowledge", _l("Read documents"), _l("Read and search the knowledge base.")),
    "membership.leave": ("members", _l("Leave the organisation"), _l("Leave the organisation oneself.")),
    "documents.write": ("knowledge", _l("Write documents"), _l("Upload and edit documents of one's own.")),
    "documents.delete_any": ("knowledge", _l("Delete any document"), _l("Delete documents others uploaded.")),
    "members.manage": ("members", _l("Manage members"), _l("Change members' roles and remove members.")),
    "invitations.manage": ("members", _l("Manage invitations"), _l("Invite people, resend and revoke invitations.")),
    "plan.change": ("billing", _l("Change the plan"), _l("Move the organisation to another plan.")),
    "settings.update": ("organisation", _l("Change settings"), _l("Name, address, language, brand colour and roles.")),
    "apikeys.manage": ("integrations", _l("Manage API keys"), _l("Create and revoke the organisation's API keys.")),
    "audit.read": ("security", _l("Read the audit log"), _l("See every change made in the organisation.")),
    "sso.manage": ("security", _l("Manage single sign-on"), _l("Set up OIDC, SAML and LDAP connections.")),
    "domains.manage": ("security", _l("Manage domains"), _l("Verify the organisation's email domains.")),
    "webhooks.manage": ("integrations", _l("Manage webhooks"), _l("Add, change and delete webhook endpoints.")),
    "scim.manage": ("integrations", _l("Manage SCIM"), _l("Issue and revoke directory-sync tokens.")),
    "roles.manage": ("members", _l("Manage roles"), _l("Create, edit and delete the organisation's custom roles.")),
    "tenant.delete": ("organisation", _l("Delete the organisation"), _l("Delete the organisation and its data.")),
    "ownership.transfer": ("members", _l("Transfer ownership"), _l("Make another member the primary owner.")),
    "apikeys.reown": ("integrations", _l("Re-own API keys"), _l("Hand an API key to another member.")),
    "support_access.manage": ("security", _l("Manage support access"),
                              _l("Approve, deny and revoke platform support's access to the organisation.")),
    "billing.read": ("billing", _l("View billing"), _l("See invoices, payments and the subscription.")),
    "billing.manage": ("billing", _l("Manage billing"), _l("Pay invoices and change the payment method.")),
    "data.export": ("organisation", _l("Export the organisation's data"),
                    _l("Download one zip of the organisation's members, roles, audit log, usage and documents.")),
}


def _tenant(name: str, least_role: Role, *, writes: bool, billing: bool = False,
            open_when_expired: bool = False, open_when_read_only: bool = False) -> Permission:
    group, label, description = _TEXTS[name]
    return Permission(name, least_role, writes, billing, open_when_expired, open_when_read_only, group, label,
                      description)


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
    _tenant("webhooks.manage", Role.ADMIN, writes=True),
    _tenant("sso.manage", Role.ADMIN, writes=True),
    _tenant("domains.manage", Role.OWNER, writes=True),
    _tenant("scim.manage", Role.OWNER, writes=True),
    # Owners make custom roles (issue 17); an owner holds every permission, so any role is theirs to make.
    _tenant("roles.manage", Role.OWNER, writes=True),
    _tenant("tenant.delete", Role.OWNER, writes=True),
    _tenant("ownership.transfer", Role.OWNER, writes=True),
    _tenant("apikeys.reown", Role.OWNER, writes=True),
    # The customer decides who from the platform's support may look in (issue 17).
    _tenant("support_access.manage", Role.OWNER, writes=True),
    # Viewers, members and admins see nothing of billing.
    _tenant("billing.read", Role.OWNER, writes=False, billing=True),
    _tenant("billing.manage", Role.OWNER, writes=True, billing=True),
    # Owners export the organisation's data (issue 17); a read-only (unpaid) tenant may still get it out.
    _tenant("data.export", Role.OWNER, writes=True, open_when_read_only=True),
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


# The catalogue a custom role is made from: every tenant permission, in declaration order.
CATALOGUE: tuple[Permission, ...] = _TENANT_PERMISSIONS
CATALOGUE_NAMES: frozenset[str] = frozenset(p.name for p in _TENANT_PERMISSIONS)

# The four built-in roles as permission sets: each holds what its least-role rank reaches, so their
# behaviour is exactly the role order's.
BUILTIN_ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    role: frozenset(p.name for p in _TENANT_PERMISSIONS if role.rank >= p.least_role.rank) for role in Role
}


def grouped_catalogue() -> list[tuple[str, str, list[Permission]]]:
    """The catalogue by group, `(group key, group label, permissions)`, in `GROUPS` order."""
    return [(key, label, [p for p in CATALOGUE if p.group == key]) for key, label in GROUPS.items()]


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
    return perm.name in BUILTIN_ROLE_PERMISSIONS[Role(role)]


def outranks_or_equals(role: str, other: str) -> bool:
    return Role(role).outranks_or_equals(other)
