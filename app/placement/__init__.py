"""Placement: where a tenant's own data lives, row, schema or database isolation (docs/isolation.md).

Below the services: services call it (provision at creation, drop at purge); it imports no service
but the error vocabulary and the audit record (`app.services.errors`, `app.services.audit`), and
nothing of the request side (`app.tenancy`, `app.web`, `app.api`).

A dedicated tenant (schema or database) is placed in two steps that cannot share one transaction:
`reserve` writes, in the transaction that creates the tenant, a `TenantPlaneState` without a
revision ("not built yet"); `provision` builds the schema or database after that commit and
records the revision. A process killed in between leaves a tenant that `is_ready` says is not:
requests get a 503 (`TenantUnavailable`) instead of a 500, and `provision` (the
`placement.repair` job, or `flask tenants migrate`) finishes it, as often as needed.

`provision` runs when a tenant is created, `drop` when it is purged. The tenant plane is reached
through `app.workspace.sessions.tenant_plane(tenant)`, which asks the strategy's module here
(`row`, `schema`, `database`) to place the session.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext

from app import crashpoints
from app.models import ISOLATION_STRATEGIES, Tenant
from app.services.errors import ValidationError


def validate_strategy(strategy: str, dialect_name: str) -> str:
    """Refuse strategies this database cannot provide, with a message naming the field."""
    strategy = (strategy or "row").strip().lower()
    if strategy not in ISOLATION_STRATEGIES:
        raise ValidationError(gettext("Isolation strategy must be one of %(isolation_strategies)s.", isolation_strategies=', '.join(ISOLATION_STRATEGIES)),
                              field="isolation_strategy")
    if strategy == "schema" and dialect_name != "postgresql":
        raise ValidationError(gettext("Schema-per-tenant isolation needs PostgreSQL; this portal runs on %(dialect_name)s. Choose row or database isolation.", dialect_name=dialect_name), field="isolation_strategy")
    return strategy


def reserve(tenant: Tenant) -> None:
    """In the transaction creating `tenant`: note that its schema or database is not built yet."""
    from app.extensions import db
    from app.placement.plane_migrations import DEDICATED

    if tenant.isolation_strategy in DEDICATED and db.session.get(TenantPlaneState, tenant.id) is None:
        db.session.add(TenantPlaneState(tenant_id=tenant.id, revision=None))


def is_ready(tenant: Tenant) -> bool:
    """Whether the tenant's plane can be used: row tenants always; a schema or database tenant once
    a revision is recorded for it (built, or migrated), which `provision` does last."""
    from sqlalchemy import select

    from app.extensions import db
    from app.placement.plane_migrations import DEDICATED

    if tenant.isolation_strategy not in DEDICATED:
        return True
    revision = db.session.scalar(select(TenantPlaneState.revision).where(TenantPlaneState.tenant_id == tenant.id))
    return revision is not None


def unready(created_before: datetime, limit: int = 100) -> list[Tenant]:
    """Schema and database tenants created before `created_before` whose plane is not built: to
    repair. (A younger one may be being provisioned right now by the request that created it.)"""
    from sqlalchemy import select

    from app.extensions import db
    from app.placement.plane_migrations import DEDICATED

    stmt = (select(Tenant).outerjoin(TenantPlaneState, TenantPlaneState.tenant_id == Tenant.id)
            .where(Tenant.isolation_strategy.in_(DEDICATED), TenantPlaneState.revision.is_(None),
                   Tenant.created_at < created_before)
            .order_by(Tenant.created_at, Tenant.id).limit(limit))
    return list(db.session.scalars(stmt))


def provision(tenant: Tenant) -> None:
    """Create the tenant's schema or database, at the current head revision.

    Built from the models and stamped, not replayed through the migration chain, so a sign-up
    does not wait on history. Row tenants share tables that already exist. Idempotent and
    resumable: a database or schema that exists (empty, or half built by a killed process) is
    completed; the revision is recorded last.
    """
    from app.placement import plane_migrations

    tenant_id, strategy = tenant.id, tenant.isolation_strategy
    if strategy not in plane_migrations.DEDICATED:
        return
    with plane_migrations.tenant_connection(tenant_id, strategy, create=True) as conn:
        revision = plane_migrations.current_revision(conn)
        if revision is None:
            revision = plane_migrations.build_at_head(conn, strategy)
            crashpoints.reached("placement.built_uncommitted")
    crashpoints.reached("placement.built")
    plane_migrations.record(tenant_id, revision)


def drop(tenant: Tenant) -> None:
    """Remove the tenant's schema or database, or its rows in the shared tables (at purge)."""
    from app.extensions import db
    from app.placement import database, row, schema

    tenant_id, strategy = tenant.id, tenant.isolation_strategy
    if strategy == "schema":
        with db.engine.begin() as conn:
            schema.drop(conn, tenant_id)
    elif strategy == "database":
        database.drop(tenant_id)
    else:
        row.drop(tenant_id)


# Registers the control-plane table that records each tenant's tenant-plane revision.
from app.placement.moves import TenantMove  # noqa: E402,F401
from app.placement.state import TenantPlaneState  # noqa: E402

__all__ = ["TenantPlaneState", "drop", "is_ready", "provision", "reserve", "unready", "validate_strategy"]
