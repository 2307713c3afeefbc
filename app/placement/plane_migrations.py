"""Tenant-plane migrations: the revisions of each tenant's own schema or database.

Row-strategy tables live in the shared database and move with the control-plane migrations
(`flask db upgrade`). Schemas and databases have their own Alembic chain in migrations/tenant/,
with the version table `tenant_plane_version` inside each schema or database. A new tenant is
built at head from the models and stamped (fast: no chain to replay); `tenants migrate` brings
every existing one up, one transaction per tenant.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.engine import Connection

from app.extensions import db
from app.models import Tenant
from app.models.types import utcnow
from app.placement import database, schema
from app.placement.state import TenantPlaneState
from app.workspace.ddl import PLACEMENT_OPTION

SCRIPT_LOCATION = Path(__file__).resolve().parents[2] / "migrations" / "tenant"
VERSION_TABLE = "tenant_plane_version"
DEDICATED = ("schema", "database")


@functools.cache
def script_directory() -> ScriptDirectory:
    return ScriptDirectory(str(SCRIPT_LOCATION))


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


@contextmanager
def tenant_connection(tenant_id: str, strategy: str, *, create: bool = False) -> Iterator[Connection]:
    """One transaction inside the tenant's own schema or database (created first if `create`)."""
    if strategy == "schema":
        with db.engine.connect() as conn, conn.begin():
            if create:
                schema.create(conn, tenant_id)
            schema.enter(conn, tenant_id)
            yield conn
    elif strategy == "database":
        if create:
            database.create(tenant_id)
        with database.engine_for(tenant_id).begin() as conn:
            yield conn
    else:
        raise ValueError(f"{strategy!r} tenants have no schema or database of their own")


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def build_at_head(conn: Connection, strategy: str) -> str:
    """Create the tenant-plane tables from the models and stamp head (a new, empty tenant)."""
    from app.workspace.models import WORKSPACE_TABLES

    conn.execution_options(**{PLACEMENT_OPTION: strategy})
    db.metadata.create_all(conn, tables=WORKSPACE_TABLES)
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    context.stamp(script_directory(), "head")
    return head_revision()


def upgrade(conn: Connection, strategy: str, revision: str = "head") -> str | None:
    """Replay the chain from wherever this schema or database stands up to `revision`."""
    script = script_directory()
    conn.execution_options(**{PLACEMENT_OPTION: strategy})

    def steps(rev, _context):
        return script._upgrade_revs(revision, rev)

    env = EnvironmentContext(Config(), script, fn=steps, destination_rev=revision)
    env.configure(connection=conn, version_table=VERSION_TABLE, transactional_ddl=True)
    with env.begin_transaction():
        env.run_migrations()
    return current_revision(conn)


def record(tenant_id: str, revision: str | None, error: str | None = None) -> None:
    """Write the tenant's revision (or its last error) to the control plane, and commit."""
    from app.services.audit import Actor
    from app.services.audit import record as audit_record

    state = db.session.get(TenantPlaneState, tenant_id)
    if state is None:
        state = TenantPlaneState(tenant_id=tenant_id)
        db.session.add(state)
    if error is None:
        state.revision = revision
        state.migrated_at = utcnow()
        state.error = None
        audit_record("tenant.plane_migrated", Actor.system(), tenant_id=tenant_id, target_type="tenant",
                     target_id=tenant_id, details={"revision": revision})
    else:
        state.error = error[:2000]
        audit_record("tenant.plane_migration_failed", Actor.system(), tenant_id=tenant_id, target_type="tenant",
                     target_id=tenant_id, details={"error": error[:500]})
    db.session.commit()


@dataclass
class Outcome:
    tenant_id: str
    slug: str
    before: str | None
    after: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def pending(include_current: bool = False) -> list[tuple[str, str, str]]:
    """(tenant id, slug, strategy) of schema/database tenants whose recorded revision is not head."""
    head = head_revision()
    stmt = (select(Tenant.id, Tenant.slug, Tenant.isolation_strategy, TenantPlaneState.revision)
            .outerjoin(TenantPlaneState, TenantPlaneState.tenant_id == Tenant.id)
            .where(Tenant.isolation_strategy.in_(DEDICATED)).order_by(Tenant.created_at, Tenant.id))
    return [(tid, slug, strategy) for tid, slug, strategy, rev in db.session.execute(stmt)
            if include_current or rev != head]


def migrate_tenant(tenant_id: str, slug: str, strategy: str) -> Outcome:
    """Bring one tenant to head in one transaction of its own; record the result either way."""
    before = None
    try:
        with tenant_connection(tenant_id, strategy, create=True) as conn:
            before = current_revision(conn)
            after = upgrade(conn, strategy)
    except Exception as exc:  # one broken tenant must not stop the fleet
        db.session.rollback()
        message = f"{type(exc).__name__}: {exc}".splitlines()[0]
        record(tenant_id, None, error=message)
        return Outcome(tenant_id, slug, before, None, message)
    record(tenant_id, after)
    return Outcome(tenant_id, slug, before, after)
