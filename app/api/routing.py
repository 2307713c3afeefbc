"""How an API route states who may call it, in one decorator line.

- `@tenant_endpoint("members.manage")`: authenticate (API key or JWT), resolve and enter the
  tenant (`app.tenancy.guard`), check the permission, meter the call against the tenant's
  monthly quota, then run the view. The view reads `current_tenant` and `current_actor()`.
- `@platform_endpoint`: platform keys and platform-admin users only.
- `@authenticated_endpoint`: any authenticated caller (e.g. `GET /tenants/plans`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import g, request

from app.services import api_keys
from app.services.errors import Unauthorized
from app.tenancy.guard import enter_tenant, platform_required
from app.tenancy.principal import Principal


def authenticate_request() -> Principal:
    """The caller of an API request from its `Authorization: Bearer` header (key or JWT)."""
    if g.get("principal") is not None:
        return g.principal
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized("Send an API key or access token: Authorization: Bearer <key>.")
    credential = credential.strip()
    key = api_keys.authenticate_key(credential)
    if key is not None:
        principal = Principal(api_key=key, via="api_key")
    else:
        from app.api.tokens import principal_from_jwt

        principal = principal_from_jwt(credential)
    g.principal = principal
    return principal


def tenant_endpoint(permission: str, *, metered: bool = True) -> Callable:
    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = authenticate_request()
            enter_tenant(permission, principal)
            if metered:
                from app.api.metering import meter_current_call

                meter_current_call(principal)
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator


def platform_endpoint(view: Callable) -> Callable:
    guarded = platform_required(view)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        authenticate_request()
        return guarded(*args, **kwargs)

    wrapper.permission = "platform.admin"  # type: ignore[attr-defined]
    return wrapper


def authenticated_endpoint(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        authenticate_request()
        return view(*args, **kwargs)

    wrapper.permission = "authenticated"  # type: ignore[attr-defined]
    return wrapper
