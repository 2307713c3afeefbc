"""A renamed organisation's old address: `/t/<old-slug>/...` leads to the same page under the new slug
for 30 days (services.tenants.SLUG_REDIRECT_DAYS), for the people who may see the organisation.

Only its members (and platform admins) are sent on: to anyone else an old slug answers the same 404 as a
slug that never existed, so a redirect tells no outsider what an organisation is called now.
"""

from __future__ import annotations

from flask import request

from app.services import tenants
from app.tenancy.principal import current_principal


def moved_url() -> str | None:
    """Where this request's page lives now, if its tenant slug is an address the tenant gave up."""
    if request.method not in ("GET", "HEAD"):
        return None  # a form posted to the old address is not replayed elsewhere
    old = (request.view_args or {}).get("tenant_slug")
    prefix = f"/t/{old}"
    if not old or not request.path.startswith(prefix):
        return None
    current = tenants.redirected_slug(old)
    tenant = tenants.find_tenant(current) if current else None
    if tenant is None:
        return None
    principal = current_principal()
    if not principal.is_platform_admin and not principal.authority(tenant).roles:
        return None
    query = request.query_string.decode()
    return f"/t/{tenant.slug}{request.path[len(prefix):]}" + (f"?{query}" if query else "")
