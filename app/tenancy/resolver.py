"""Naming the tenant of a request. Resolution is never authorization (see `guard`).

Each source is a small function `(request) -> reference | None`; a reference is a tenant id or
slug. Sources are tried in order. Explicit sources (path, subdomain, header, JWT claim, query)
must agree: two naming different tenants is a `TenantConflict`. Fallback sources (a tenant key's own
tenant, the session's last tenant, then DEFAULT_TENANT) are used only when no explicit source
named one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Request, current_app, g, session
from flask_babel import gettext

from app.models import Tenant
from app.services import tenants
from app.services.errors import TenantConflict

Source = Callable[[Request], str | None]


def from_path(req: Request) -> str | None:
    """Portal pages live under /t/<slug>/...; API routes name it as /tenants/<id>/..."""
    args = req.view_args or {}
    return args.get("tenant_slug") or args.get("tenant_ref")


def from_subdomain(req: Request) -> str | None:
    base = current_app.config.get("TENANT_BASE_DOMAIN") or current_app.config.get("SERVER_NAME")
    if not base:
        return None
    host = req.host.split(":")[0].lower()
    base = base.split(":")[0].lower()
    if host.endswith("." + base):
        label = host[: -len(base) - 1]
        # www.example.com, api.example.com ... are the product's own hosts, never a tenant's.
        if not label or "." in label or label in tenants.RESERVED_SLUGS:
            return None
        return label
    return None


def from_header(req: Request) -> str | None:
    return req.headers.get("X-Tenant-ID") or None


def from_jwt_claim(req: Request) -> str | None:
    principal = g.get("principal")
    return principal.jwt_tenant_id if principal is not None and principal.via == "jwt" else None


def from_query(req: Request) -> str | None:
    return req.args.get("tenant_id") or None


def from_api_key(req: Request) -> str | None:
    """A tenant-bound API key names its own tenant, when nothing explicit named one.

    A fallback, not an explicit source: a key of tenant A sent to /tenants/B/... must meet the
    same 404 as any other outsider, not a conflict that would tell it B exists.
    """
    principal = g.get("principal")
    key = principal.api_key if principal is not None else None
    return key.tenant_id if key is not None and not key.is_platform else None


def from_session(req: Request) -> str | None:
    return session.get("tenant_id")


def from_default(req: Request) -> str | None:
    return current_app.config.get("DEFAULT_TENANT")


@dataclass
class Resolution:
    tenant: Tenant | None
    source: str | None
    reference: str | None


def _find(ref: str) -> Tenant | None:
    """The tenant a reference names; text no tenant id or slug can contain (NUL) names none."""
    if "\x00" in ref:
        return None
    return tenants.find_tenant_for_request(ref)


def _same_tenant(found: Resolution, tenant: Tenant | None, ref: str) -> bool:
    if found.tenant is not None and tenant is not None:
        return found.tenant.id == tenant.id
    # Neither exists: the same name twice is one (unknown) tenant, a 404 rather than a conflict.
    return found.tenant is None and tenant is None and found.reference.strip().lower() == ref.strip().lower()


class TenantResolver:
    """The chain of sources. Add or reorder a source here, in one place."""

    def __init__(self, explicit: list[tuple[str, Source]], fallback: list[tuple[str, Source]]) -> None:
        self.explicit = explicit
        self.fallback = fallback

    def resolve(self, req: Request) -> Resolution:
        """The tenant the request names, or Resolution(None, source, ref) when the name matches nothing."""
        found: Resolution | None = None
        for name, source in self.explicit:
            ref = source(req)
            if not ref:
                continue
            tenant = _find(ref)
            if found is None:
                found = Resolution(tenant, name, ref)
            elif not _same_tenant(found, tenant, ref):
                raise TenantConflict(
                    gettext("The %(source)s names tenant %(reference)s but the %(name)s names %(ref)s.", source=found.source, reference=repr(found.reference), name=name, ref=repr(ref)),
                    details={"sources": {found.source: found.reference, name: ref}},
                )
        if found is not None:
            return found
        for name, source in self.fallback:
            ref = source(req)
            if ref:
                tenant = _find(ref)
                if tenant is not None:
                    return Resolution(tenant, name, ref)
        return Resolution(None, None, None)


resolver = TenantResolver(
    explicit=[("path", from_path), ("subdomain", from_subdomain), ("header", from_header),
              ("jwt", from_jwt_claim), ("query", from_query)],
    fallback=[("api_key", from_api_key), ("session", from_session), ("default", from_default)],
)
