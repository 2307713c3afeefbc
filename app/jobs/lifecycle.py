"""Scheduled lifecycle jobs: purge deleted tenants, expire trials and invitations, migrate tenant planes."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app

from app.jobs.queue import enqueue
from app.jobs.registry import every, task
from app.services import lifecycle, tenants
from app.services.audit import Actor

log = logging.getLogger(__name__)


@task("tenants.purge_deleted", schedule=every(timedelta(hours=1)))
def purge_deleted() -> None:
    purged = tenants.purge_deleted(Actor.system(), current_app.config["DELETED_TENANT_GRACE_DAYS"])
    if purged:
        log.info("purged %d deleted tenant(s): %s", len(purged), ", ".join(purged))


@task("tenants.expire_trials", schedule=every(timedelta(minutes=10)))
def expire_trials() -> None:
    expired = lifecycle.expire_trials(Actor.system())
    if expired:
        log.info("expired %d trial(s): %s", len(expired), ", ".join(expired))


@task("invitations.expire", schedule=every(timedelta(minutes=10)))
def expire_invitations() -> None:
    lifecycle.expire_invitations()


@task("tenants.migrate_planes", schedule=every(timedelta(hours=1)))
def migrate_planes() -> None:
    """Fan out: one job per schema/database tenant not at the tenant-plane head."""
    from app.extensions import db
    from app.placement import plane_migrations

    for tenant_id, _slug, _strategy in plane_migrations.pending():
        enqueue("tenants.migrate_plane", tenant_id=tenant_id)
    db.session.commit()


@task("tenants.migrate_plane", max_retries=3, backoff=60)
def migrate_plane(tenant_id: str) -> None:
    """Bring one tenant's plane to head (a no-op when it is there already)."""
    from app.extensions import db
    from app.models import Tenant
    from app.placement import plane_migrations

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None:
        return  # purged meanwhile
    outcome = plane_migrations.migrate_tenant(tenant.id, tenant.slug, tenant.isolation_strategy)
    if not outcome.ok:
        raise RuntimeError(f"tenant {tenant.slug}: {outcome.error}")
