"""Who is acting, and what they may do: the one value services judge a caller by.

An `Authority` is an `Actor` (who, for the audit trail: user, key, IP, impersonator) together with
the tenant it acts in, its roles there (a set: custom roles give one member several), whether it is
a platform admin, and how it was obtained (`via`). Every way in (session, API key, JWT,
impersonation, CLI) ends in one, and one function decides what it holds:

    allows(authority, "members.manage", tenant)    # platform admins: everything; others: their roles in `tenant`
    may_grant(authority, tenant, Role.ADMIN)       # nobody hands out a role above their own

Services take `authority: Authority` where they judge the caller (`members.change_role(tenant,
user_id, role, authority)`); an `Authority` passes wherever an `Actor` is expected. Request code
gets the caller's with `app.tenancy.principal.current_authority()`; the CLI and jobs use
`Authority.cli()` / `Authority.system()`; tests `Authority.member(actor, tenant, "owner")`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import StrEnum

from app.models.enums import Role
from app.services.audit import Actor
from app.services.permissions import Permission, get_permission, role_allows


class Via(StrEnum):
    """How an authority was obtained."""

    SESSION = "session"  # the browser, signed in
    IMPERSONATION = "impersonation"  # a platform admin acting as a tenant's owner, in the browser
    API_KEY = "api_key"
    JWT = "jwt"
    SCIM = "scim"  # an identity provider, with a tenant's SCIM token
    CLI = "cli"
    SYSTEM = "system"  # jobs, migrations, the demo seeder
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Authority(Actor):
    """An actor with its powers in one tenant (`tenant_id`, `roles`) or none (`tenant_id` None)."""

    tenant_id: str | None = None
    roles: frozenset[Role] = frozenset()
    via: Via = Via.SYSTEM
    # What custom roles add (permission names) in `tenant_id`, beside the built-in `roles`.
    permissions: frozenset[str] = frozenset()

    @classmethod
    def of(cls, actor: Actor, *, tenant_id: str | None = None, roles=(), via: Via = Via.SYSTEM,
           permissions=()) -> Authority:
        """`actor` with roles in a tenant (roles are role names or `Role`s; `permissions` those its
        custom roles add)."""
        base = {f.name: getattr(actor, f.name) for f in fields(Actor)}
        return cls(**base, tenant_id=tenant_id, roles=frozenset(Role(r) for r in roles), via=via,
                   permissions=frozenset(permissions))

    @classmethod
    def member(cls, actor: Actor, tenant, *roles: str, via: Via = Via.SESSION, permissions=()) -> Authority:
        """A member of `tenant` (a Tenant or its id) holding `roles`, acting as `actor`, never a platform admin."""
        tenant_id = tenant if isinstance(tenant, str) or tenant is None else tenant.id
        return replace(cls.of(actor, tenant_id=tenant_id, roles=roles, via=via, permissions=permissions),
                       is_platform_admin=False)

    @classmethod
    def system(cls) -> Authority:
        return cls(label="system", is_platform_admin=True, via=Via.SYSTEM)

    @classmethod
    def cli(cls) -> Authority:
        return cls(label="cli", is_platform_admin=True, via=Via.CLI)

    def roles_in(self, tenant) -> frozenset[Role]:
        """The roles this authority holds in `tenant` (a Tenant or id): none in any other tenant."""
        tenant_id = tenant if isinstance(tenant, str) else getattr(tenant, "id", None)
        return self.roles if tenant_id is not None and tenant_id == self.tenant_id else frozenset()

    def strongest_role_in(self, tenant) -> Role | None:
        roles = self.roles_in(tenant)
        return max(roles, key=lambda r: r.rank) if roles else None


def allows(authority: Authority, permission: str | Permission, tenant=None) -> bool:
    """Whether `authority` holds `permission` in `tenant` (default: the tenant it acts in).

    Platform admins hold every permission; a member holds the union of its roles' there: the
    built-in role's (`permissions.BUILTIN_ROLE_PERMISSIONS`) and its custom roles'.
    """
    perm = get_permission(permission)
    if authority.is_platform_admin:
        return True
    roles = authority.roles_in(tenant if tenant is not None else authority.tenant_id)
    if not roles:
        return False  # custom permissions count only where the authority is a member
    return perm.name in authority.permissions or any(role_allows(role, perm) for role in roles)


def at_least(authority: Authority, tenant, role: str) -> bool:
    """Whether `authority` holds `role` or a stronger one in `tenant` (platform admins: always)."""
    if authority.is_platform_admin:
        return True
    strongest = authority.strongest_role_in(tenant)
    return strongest is not None and strongest.outranks_or_equals(role)


def may_grant(authority: Authority, tenant, role: str) -> bool:
    """Nobody hands out (or takes away) a role above their own; platform admins may any."""
    return at_least(authority, tenant, role)


def grantable_roles(authority: Authority, tenant) -> list[Role]:
    """The roles `authority` may hand out in `tenant`, strongest first."""
    return [role for role in Role if may_grant(authority, tenant, role)]
