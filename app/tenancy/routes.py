"""How a route says who may call it: in the one line that declares it.

Every blueprint of the portal is a `GuardedBlueprint` (the API's is `app.api.routing.ApiBlueprint`),
and every route is declared through one of its four methods, so the access rule sits beside the URL
and cannot be left out:

    bp = GuardedBlueprint("members", __name__)

    @bp.tenant("/members", "members.read")                                   # GET /t/<tenant_slug>/members
    @bp.tenant("/members/<int:user_id>/role", "members.manage", methods=["POST"])
    @bp.platform("/tenants/<tenant_id>")                                     # platform admins only
    @bp.signed_in("/organisations")                                          # any signed-in user
    @bp.public("/login", methods=["GET", "POST"])                            # nobody is checked

`tenant(rule, permission)` adds the tenant prefix (`/t/<tenant_slug>` here, `/tenants/<tenant_ref>`
in the API; `prefixed=False` for API routes whose tenant comes from a header, the subdomain or the
key), enters the tenant through `app.tenancy.guard.enter_tenant` before the view runs (which sets
`current_tenant` and `current_authority()`), and does not pass the tenant argument on to the view.
A write method (POST, PUT, PATCH, DELETE) must be declared with a permission that writes; that is
checked here, at import time, so the guard can trust `permission.writes`.

Each view carries its declaration as `view.access` (an `Access`); tests/tenancy/test_route_access.py
walks `app.url_map` and fails for any rule without one, and for any rule naming a tenant that is
neither tenant-scoped nor platform-only nor explicitly public.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask import Blueprint
from flask_login import login_required

from app.services.permissions import Permission, get_permission
from app.tenancy.guard import SAFE_METHODS, enter_tenant, platform_required


class AccessKind(StrEnum):
    TENANT = "tenant"  # a member of the tenant holding the permission (or a platform admin)
    PLATFORM = "platform"  # platform admins and platform keys
    SIGNED_IN = "signed_in"  # anyone signed in (the API: any valid key or token)
    PUBLIC = "public"  # nobody is checked; `reason` says why that is right


@dataclass(frozen=True)
class Access:
    """A route's declared access, found on its view as `view.access`."""

    kind: AccessKind
    permission: Permission | None = None
    reason: str = ""

    @property
    def label(self) -> str:
        """What the route requires, as a word (a permission name, `platform.admin`, ...)."""
        if self.permission is not None:
            return self.permission.name
        return {AccessKind.PLATFORM: "platform.admin", AccessKind.SIGNED_IN: "authenticated"}.get(self.kind, "public")


def _methods(methods: Iterable[str]) -> list[str]:
    return [m.upper() for m in methods]


class GuardedBlueprint(Blueprint):
    """A blueprint whose routes declare their access (see the module docstring)."""

    tenant_prefix = "/t/<tenant_slug>"
    tenant_arg = "tenant_slug"

    # --- the four declarations -------------------------------------------------------------

    def tenant(self, rule: str, permission: str | Permission, *, methods: Iterable[str] = ("GET",),
               prefixed: bool = True, **options: Any) -> Callable:
        """A tenant-scoped route: the caller must hold `permission` in the tenant the request names."""
        perm = get_permission(permission)
        if perm.is_platform:
            raise ValueError(f"{perm} is a platform permission: declare {rule!r} with .platform()")
        methods = _methods(methods)
        writing = sorted(set(methods) - SAFE_METHODS)
        if writing and not perm.writes:
            raise ValueError(f"{rule!r} answers {', '.join(writing)}, which change things, but {perm} only reads; "
                             "declare it with a permission that writes")
        full_rule = self.tenant_prefix + rule if prefixed else rule
        tenant_arg = self.tenant_arg if prefixed else None

        def decorator(view: Callable) -> Callable:
            @functools.wraps(view)
            def guarded(*args: Any, **kwargs: Any) -> Any:
                if tenant_arg is not None:
                    kwargs.pop(tenant_arg, None)  # the guard resolved it; the view reads current_tenant
                self.enter_tenant(perm)
                return view(*args, **kwargs)

            return self._declare(full_rule, guarded, Access(AccessKind.TENANT, perm), methods, options)

        return decorator

    def platform(self, rule: str, *, methods: Iterable[str] = ("GET",), **options: Any) -> Callable:
        """Platform admins only (others: 403; signed out: the sign-in page, or 401 in the API)."""
        return lambda view: self._declare(rule, self.platform_guard(view), Access(AccessKind.PLATFORM),
                                          _methods(methods), options)

    def signed_in(self, rule: str, *, methods: Iterable[str] = ("GET",), **options: Any) -> Callable:
        """Anyone signed in (in the API: any valid key or token)."""
        return lambda view: self._declare(rule, self.signed_in_guard(view), Access(AccessKind.SIGNED_IN),
                                          _methods(methods), options)

    def public(self, rule: str, *, methods: Iterable[str] = ("GET",), reason: str = "", **options: Any) -> Callable:
        """No access check. A public rule that names a tenant must say why in `reason`."""
        return lambda view: self._declare(rule, view, Access(AccessKind.PUBLIC, reason=reason),
                                          _methods(methods), options)

    # --- what each kind checks; the API's blueprint overrides these ----------------------

    def enter_tenant(self, permission: Permission) -> None:
        enter_tenant(permission)

    def platform_guard(self, view: Callable) -> Callable:
        return login_required(platform_required(view))

    def signed_in_guard(self, view: Callable) -> Callable:
        return login_required(view)

    # ---------------------------------------------------------------------------------------

    def _declare(self, rule: str, view: Callable, access: Access, methods: list[str], options: dict) -> Callable:
        view.access = access  # type: ignore[attr-defined]
        view.permission = None if access.kind == AccessKind.PUBLIC else access.label  # type: ignore[attr-defined]
        self.add_url_rule(rule, view_func=view, methods=methods, **options)
        return view


def access_of(view: Callable) -> Access | None:
    """The declared access of a view function, or None when it was added without a declaration."""
    access = getattr(view, "access", None)
    return access if isinstance(access, Access) else None
