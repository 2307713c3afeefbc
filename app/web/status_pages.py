"""Pages for an organisation that cannot be used right now: suspended, deleted but restorable
(the template also words expired, read-only and pending deletion, which answer elsewhere today). Each says what happened, what the reader can do
and whom to contact (the configured support address), instead of a bare error code.

Only members see these: a deleted tenant's page is shown to its former members, and anyone else
gets the ordinary 404, so a slug tells an outsider nothing.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, TenantUser
from app.services.errors import DomainError, TenantNotFound, TenantSuspended

# Read-only, pending deletion and expired already answer with billing's and the plan picker's links.
STATE_OF = {TenantSuspended: "suspended"}


def _named_tenant() -> Tenant | None:
    """The tenant the request's URL names (deleted ones included)."""
    slug = (request.view_args or {}).get("tenant_slug")
    if not slug or not isinstance(slug, str) or len(slug) > 63:
        return None
    return db.session.scalar(select(Tenant).where(Tenant.slug == slug.lower()))


def _role_in(tenant: Tenant) -> str | None:
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(select(TenantUser.role).where(TenantUser.tenant_id == tenant.id,
                                                           TenantUser.user_id == current_user.id))


def status_page(exc: DomainError):
    """The page for a refused tenant, or None when `exc` is not about the tenant's state (or the
    reader is no member, who gets the plain error)."""
    state = next((name for kind, name in STATE_OF.items() if isinstance(exc, kind)), None)
    if state is None and not isinstance(exc, TenantNotFound):
        return None
    tenant = _named_tenant()
    if tenant is None:
        return None
    role = _role_in(tenant)
    if role is None:
        return None
    restorable_until = None
    if isinstance(exc, TenantNotFound):
        if not tenant.is_deleted or tenant.deleted_at is None:
            return None
        state = "deleted"
        restorable_until = tenant.deleted_at + timedelta(days=current_app.config["DELETED_TENANT_GRACE_DAYS"])
    html = render_template("errors/tenant_status.html", state=state, tenant=tenant, role=role,
                           reason=tenant.suspended_reason, restorable_until=restorable_until,
                           support_email=current_app.config["SUPPORT_EMAIL"], code=exc.code,
                           is_owner=role == "owner", is_manager=role in ("owner", "admin"))
    return html, exc.http_status
