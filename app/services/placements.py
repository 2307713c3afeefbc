"""Is a tenant's schema or database there? The entry check, and the repair that finishes it.

Creating a schema or database tenant spans two stores: the control-plane transaction commits the
tenant (with a placement "not built yet", `placement.reserve`), then `placement.provision` builds
the plane and records its revision. A process killed in between leaves a tenant that exists but
whose plane does not, or is half built. Such a tenant answers 503 `tenant_unavailable` at entry
(never a 500) and is finished by the `placement.repair` job that the entry check asks for, by the
periodic `placement.repair_unready` sweep, or by `flask tenants migrate`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask_babel import gettext

from app import placement
from app.extensions import cache, db
from app.models import Tenant
from app.models.types import utcnow
from app.services.errors import TenantUnavailable

log = logging.getLogger(__name__)

# One repair request per tenant in this window, however many requests meet the unbuilt plane.
REPAIR_REQUEST_WINDOW_SECONDS = 60
CREATION_GRACE = timedelta(minutes=2)


def ensure_ready(tenant: Tenant) -> None:
    """Raise `TenantUnavailable` (503) unless the tenant's plane is built; ask for its repair first."""
    if placement.is_ready(tenant):
        return
    request_repair(tenant.id)
    raise TenantUnavailable(gettext("%(tenant)s is being set up. Try again in a minute.", tenant=tenant.name),
                            details={"tenant": tenant.slug})


def request_repair(tenant_id: str) -> None:
    """Enqueue `placement.repair` for the tenant (at most once a window), on a session of its own."""
    from app.jobs import enqueue
    from app.services.transaction import pending_changes, unit_of_work

    if not cache.add(f"placement:repair:{tenant_id}", 1, timeout=REPAIR_REQUEST_WINDOW_SECONDS):
        return
    if pending_changes(db.session()):  # never commit someone else's work; the sweep will do it
        return
    with unit_of_work():
        enqueue("placement.repair", tenant_id=tenant_id)


def repair(tenant_id: str) -> bool:
    """Build (or finish building) the tenant's plane; True when it is ready afterwards. Idempotent."""
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:  # purged meanwhile
        return False
    if not placement.is_ready(tenant):
        log.warning("repairing the %s plane of tenant %s", tenant.isolation_strategy, tenant.slug)
        placement.provision(tenant)
    return placement.is_ready(tenant)


def repair_unready(limit: int = 100, now: datetime | None = None) -> list[str]:
    """Repair every schema or database tenant whose plane is not built (created over
    `CREATION_GRACE` ago: a younger one is being provisioned by its creator); the slugs repaired."""
    repaired = []
    for tenant in placement.unready((now or utcnow()) - CREATION_GRACE, limit):
        if repair(tenant.id):
            repaired.append(tenant.slug)
    return repaired
