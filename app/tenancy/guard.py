"""Access to a tenant: who may enter, in what state, with which permission.

A route states its permission where it is declared (`app.tenancy.routes`); that declaration calls
`enter_tenant` before the view runs. Order of checks: name the tenant (resolver) -> the caller must belong to it (or be a platform
admin) -> the tenant's status -> the permission. A tenant that does not exist and one the caller
may not see answer the same 404, so slugs cannot be probed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_babel import gettext

from app.extensions import cache
from app.models import Tenant
from app.services import audit, placements, support_access, tenant_status, tier_move
from app.services.authority import allows
from app.services.errors import PermissionDenied, TenantNotFound, TwoFactorRequired, Unauthorized
from app.services.permissions import Permission, get_permission
from app.tenancy.principal import Principal, current_principal
from app.tenancy.resolver import resolver

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _not_found() -> TenantNotFound:
    return TenantNotFound(gettext("Tenant not found."))


def check_status(tenant: Tenant, principal: Principal, *, writing: bool = False, billing: bool = False,
                 choosing_plan: bool = False, open_when_read_only: bool = False) -> None:
    """The tenant must be usable (`services.tenant_status`); platform admins pass whatever its state.

    The one place a write is refused for what may only be read: a tenant's read-only state, and an
    admin viewing it under read-only support access (`services.support_access`). `open_when_read_only`
    (data export) passes the tenant's read-only state, never read-only support access.
    """
    if writing and principal.support_read_only:
        raise support_access.read_only_refusal()
    if principal.is_platform_admin:
        return
    tenant_status.ensure_usable(tenant, writing=writing and not open_when_read_only, billing=billing,
                                choosing_plan=choosing_plan)


def check_second_factor(tenant: Tenant, principal: Principal) -> None:
    """A tenant that requires two-factor admits people only from a sign-in that passed one (a code,
    a remembered device, or SSO); API keys are not people and pass."""
    if tenant.config is not None and tenant.config.require_2fa and not principal.second_factor_ok:
        raise TwoFactorRequired(gettext("%(tenant)s requires two-factor authentication. Set it up (or enter a code) to continue.", tenant=tenant.name), details={"tenant": tenant.slug})


DENIED_ACCESS_AUDIT_WINDOW_SECONDS = 60


def _record_denied_access(principal: Principal, tenant: Tenant, source: str | None, named: str | None) -> None:
    """Audit an attempt to name a tenant the caller does not belong to.

    At most one event per caller, tenant and source a minute: a script hammering a foreign
    tenant must not be able to grow the audit table without bound.
    """
    actor = principal.actor()
    key = f"audit:denied:{actor.label}:{actor.ip}:{tenant.id}:{source}"
    if not cache.add(key, 1, timeout=DENIED_ACCESS_AUDIT_WINDOW_SECONDS):
        return
    audit.record_now("security.tenant_access_denied", actor, tenant_id=tenant.id, target_type="tenant",
                     target_id=tenant.id, details={"source": source, "named": named, "path": request.path})


def enter_tenant(permission: str | Permission, principal: Principal | None = None) -> Tenant:
    """Resolve the request's tenant, authorise the caller, and set `g.tenant` / `g.tenant_role`.

    Routes do not call this themselves: their declaration does (`app.tenancy.routes`).
    """
    permission = get_permission(permission)
    principal = principal or current_principal()
    if not principal.is_authenticated:
        raise Unauthorized(gettext("Sign in or send an API key."))
    resolution = resolver.resolve(request)
    tenant = resolution.tenant
    if tenant is None:
        raise _not_found()
    if not principal.may_enter(tenant):
        raise PermissionDenied(gettext("While viewing as an organisation's owner, only that organisation is open. Return to the admin console first."), code="impersonation_other_tenant")
    authority = principal.authority(tenant)
    if not authority.roles and not authority.is_platform_admin:
        _record_denied_access(principal, tenant, resolution.source, resolution.reference)
        raise _not_found()
    check_second_factor(tenant, principal)
    # A write is a request that may change something; the route's declaration made sure its
    # permission writes. This is where a tenant that may only be read refuses it.
    check_status(tenant, principal, writing=request.method not in SAFE_METHODS, billing=permission.billing,
                 choosing_plan=permission.open_when_expired, open_when_read_only=permission.open_when_read_only)
    # A schema or database tenant whose creation was cut short: 503 while it is repaired, not a 500.
    placements.ensure_ready(tenant)
    if request.method not in SAFE_METHODS:  # 423 only while a tier move switches its placement
        tier_move.ensure_writable(tenant)
    role = authority.strongest_role_in(tenant)
    if not allows(authority, permission):
        raise PermissionDenied(gettext("Your role does not allow this."), details={"permission": permission.name,
                                                                          "role": role})
    g.tenant = tenant
    g.tenant_role = role
    g.tenant_source = resolution.source
    g.authority = authority
    return tenant


def platform_required(view: Callable) -> Callable:
    """Decorator: only platform admins (or platform keys) get through; others get 403."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        principal = current_principal()
        if not principal.is_authenticated:
            raise Unauthorized(gettext("Sign in or send an API key."))
        if not principal.is_platform_admin:
            if principal.is_tenant_scoped_token:
                raise PermissionDenied(gettext("This access token is limited to one tenant; platform routes need a token issued without `tenant`."), code="token_tenant_scoped")
            if principal.is_platform_admin_account and principal.lacks_platform_second_factor:
                raise TwoFactorRequired(gettext("Platform administration requires two-factor authentication. Set it up (or enter a code) to continue."))
            raise PermissionDenied(gettext("This needs a platform administrator."))
        return view(*args, **kwargs)

    wrapper.permission = "platform.admin"  # type: ignore[attr-defined]
    return wrapper
