"""How an API route states who may call it, in the line that declares it (`app.tenancy.routes`).

- `@bp.tenant("/users", "members.manage", methods=["POST"])`: `/tenants/<tenant_ref>/users`;
  authenticate (API key or JWT), resolve and enter the tenant (`app.tenancy.guard`), check the
  permission, meter the call against the tenant's monthly quota, then run the view, which reads
  `current_tenant` and `current_authority()`. `prefixed=False` for routes whose tenant comes from the
  X-Tenant-ID header, the subdomain, the query or a tenant key (`/documents`, `/rag/search`).
- `@bp.platform("/tenants/")`: platform keys and platform-admin users only.
- `@bp.signed_in("/tenants/plans")`: any authenticated caller.
- `@bp.public("/auth/token", methods=["POST"])`: no credential needed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request
from flask_babel import gettext

from app.services import api_keys
from app.services.errors import Unauthorized
from app.services.permissions import Permission
from app.tenancy.guard import enter_tenant, platform_required
from app.tenancy.principal import Principal
from app.tenancy.routes import GuardedBlueprint


def authenticate_request() -> Principal:
    """The caller of an API request from its `Authorization: Bearer` header (key or JWT)."""
    if g.get("principal") is not None:
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized(gettext("Send an API key or access token: Authorization: Bearer <key>."))
    credential = credential.strip()
    key = api_keys.authenticate_key(credential)
    if key is not None:
        principal = Principal(api_key=key, via="api_key")
    else:
        from app.api.tokens import principal_from_jwt

        principal = principal_from_jwt(credential)
    g.principal = principal
    return principal


class ApiBlueprint(GuardedBlueprint):
    """The API's routes declare their access like the portal's (`app.tenancy.routes`), with the
    API's way in: a Bearer key or token instead of the session, and metering of tenant calls."""

    tenant_prefix = "/tenants/<tenant_ref>"
    tenant_arg = "tenant_ref"

    def enter_tenant(self, permission: Permission) -> None:
        principal = authenticate_request()
        enter_tenant(permission, principal)
        from app.api.metering import meter_current_call

        meter_current_call(principal)

    def platform_guard(self, view: Callable) -> Callable:
        guarded = platform_required(view)

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticate_request()
            return guarded(*args, **kwargs)

        return wrapper

    def signed_in_guard(self, view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authenticate_request()
            return view(*args, **kwargs)

        return wrapper
