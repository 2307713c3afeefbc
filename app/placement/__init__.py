"""Placement: where a tenant's own data lives, row, schema or database isolation (docs/isolation.md).

Below the services: services call it (provision at creation, drop at purge); it imports no service
but the error vocabulary and the audit record (`app.services.errors`, `app.services.audit`), and
nothing of the request side (`app.tenancy`, `app.web`, `app.api`).

`provision` runs when a tenant is created, `drop` when it is purged. The tenant plane is reached
through `app.workspace.sessions.tenant_plane(tenant)`, which asks the strategy's module here
(`row`, `schema`, `database`) to place the session.
"""

from __future__ import annotations

from app.models import ISOLATION_STRATEGIES, Tenant
from app.services.errors import ValidationError


def validate_strategy(strategy: str, dialect_name: str) -> str:
    """Refuse strategies this database cannot provide, with a message naming the field."""
    strategy = (strategy or "row").strip().lower()
    if strategy not in ISOLATION_STRATEGIES:
        raise ValidationError(f"Isolation strategy must be one of {', '.join(ISOLATION_STRATEGIES)}.",
                              field="isolation_strategy")
    if strategy == "schema" and dialect_name != "postgresql":
        raise ValidationError("Schema-per-tenant isolation needs PostgreSQL; this portal runs on "
                              f"{dialect_name}. Choose row or database isolation.", field="isolation_strategy")
    return strategy


def provision(tenant: Tenant) -> None:
    """Create the tenant's schema or database, at the current head revision.

    Built from the models and stamped, not replayed through the migration chain, so a sign-up
    does not wait on history. Row tenants share tables that already exist.
    """
    from app.placement import plane_migrations

    tenant_id, strategy = tenant.id, tenant.isolation_strategy
    if strategy not in plane_migrations.DEDICATED:
        return
    with plane_migrations.tenant_connection(tenant_id, strategy, create=True) as conn:
        revision = plane_migrations.current_revision(conn)
        if revision is None:
            revision = plane_migrations.build_at_head(conn, strategy)
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
from app.placement.state import TenantPlaneState  # noqa: E402

__all__ = ["TenantPlaneState", "drop", "provision", "validate_strategy"]
