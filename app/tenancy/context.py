"""The request's tenant, for services, logs and templates."""

from __future__ import annotations

from flask import g, has_request_context
from werkzeug.local import LocalProxy

from app.models import Tenant


def get_current_tenant() -> Tenant | None:
    return g.get("tenant") if has_request_context() else None


def get_current_role() -> str | None:
    """The caller's role in the current tenant (`owner` for platform admins)."""
    return g.get("tenant_role") if has_request_context() else None


current_tenant: Tenant = LocalProxy(get_current_tenant)  # type: ignore[assignment]
