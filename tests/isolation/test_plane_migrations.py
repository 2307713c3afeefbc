"""Tenant-plane provisioning and `flask tenants migrate`: new tenants at head at once, the fleet
brought up one transaction per tenant, a broken tenant reported while the rest proceed, reruns
that resume and change nothing twice, and purge that drops what provisioning made."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from app import placement
from app.extensions import db
from app.placement import database, plane_migrations, schema
from app.placement.state import TenantPlaneState
from app.services import tenants
from app.services.audit import Actor
from app.services.errors import ValidationError
from tests import factories as f

HEAD = "t0001"


def tables_of(tenant_id: str, strategy: str) -> set[str]:
    with plane_migrations.tenant_connection(tenant_id, strategy) as conn:
        if strategy == "schema":
            names = inspect(conn).get_table_names(schema=schema.schema_name(tenant_id))
        else:
            names = inspect(conn).get_table_names()
        return set(names)


def revision_of(tenant_id: str, strategy: str) -> str | None:
    with plane_migrations.tenant_connection(tenant_id, strategy) as conn:
        return plane_migrations.current_revision(conn)


def recorded(tenant_id: str) -> TenantPlaneState | None:
    db.session.expire_all()
    return db.session.get(TenantPlaneState, tenant_id)


@pytest.mark.parametrize("strategy", [pytest.param("schema", marks=pytest.mark.postgres), "database"])
def test_a_new_tenant_is_provisioned_at_head_quickly_and_purge_drops_it(app, strategy):
    started = time.monotonic()
    tenant = tenants.create_tenant("Fresh Co", "fresh-co", "owner@fresh.test", "free", Actor.cli(),
                                   isolation_strategy=strategy)
    elapsed = time.monotonic() - started
    assert {"documents", "document_passages"} <= tables_of(tenant.id, strategy)
    assert revision_of(tenant.id, strategy) == HEAD
    assert recorded(tenant.id).revision == HEAD
    assert elapsed < 5

    tenants.soft_delete(tenant, Actor.cli())
    assert revision_of(tenant.id, strategy) == HEAD  # kept through the grace period
    tenant_id = tenant.id
    tenants.purge(tenant, Actor.cli())
    if strategy == "schema":
        with db.engine.connect() as conn:
            assert not schema.exists(conn, tenant_id)
    elif db.engine.dialect.name == "sqlite":
        assert not Path(database.database_url(tenant_id).database).exists()
    else:
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_database WHERE datname = :n"),
                                {"n": database.database_name(tenant_id)}).scalar() == 0


def test_schema_isolation_is_refused_on_sqlite_with_a_clear_message():
    with pytest.raises(ValidationError) as caught:
        placement.validate_strategy("schema", "sqlite")
    assert caught.value.field == "isolation_strategy"
    assert "PostgreSQL" in caught.value.message
    assert placement.validate_strategy("schema", "postgresql") == "schema"


def test_purging_a_row_tenant_removes_its_rows_only(app):
    from app.services import documents

    keep, doomed = f.tenant(), f.tenant(status="deleted")
    for t in (keep, doomed):
        documents.create_document(t, Actor.cli(), documents.Upload(title="Doc", content="Some text."))
    tenants.purge(doomed, Actor.cli())
    assert documents.list_documents(keep).total == 1
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar() == 1


def unprovisioned(strategy: str, count: int) -> list:
    """Tenants whose schema or database does not exist yet (as if made before the tenant plane)."""
    return [f.tenant(f"{strategy[:3]}-{i:03d}", isolation=strategy) for i in range(count)]


def break_schema_tenant(tenant) -> None:
    with db.engine.begin() as conn:
        schema.create(conn, tenant.id)
        conn.exec_driver_sql(f"CREATE TABLE {schema.quoted(tenant.id)}.documents (wrong integer)")


def break_sqlite_tenant(tenant) -> None:
    path = Path(database.database_url(tenant.id).database)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database " * 100)


def run_migrate(runner, *args):
    return runner.invoke(args=["tenants", "migrate", *args])


@pytest.mark.postgres
def test_migrate_brings_50_schema_and_10_database_tenants_to_head_past_a_broken_one(app, runner):
    schemas = unprovisioned("schema", 50)
    databases = unprovisioned("database", 10)
    broken = schemas[17]
    break_schema_tenant(broken)
    f.tenant("row-tenant")  # row tenants move with the control plane: not visited

    result = run_migrate(runner)
    assert result.exit_code == 1
    assert "Migrating 60 tenant(s)" in result.output
    assert "59 upgraded, 0 already at t0001, 1 failed." in result.output
    assert f"FAILED {broken.slug}" in result.output
    for tenant in schemas + databases:
        if tenant is broken:
            continue
        strategy = tenant.isolation_strategy
        assert revision_of(tenant.id, strategy) == HEAD, tenant.slug
        assert recorded(tenant.id).revision == HEAD
    assert recorded(broken.id).revision is None and recorded(broken.id).error

    # Resumable: only the broken tenant is left to do; once fixed, it alone is migrated.
    again = run_migrate(runner)
    assert "Migrating 1 tenant(s)" in again.output and again.exit_code == 1
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE {schema.quoted(broken.id)}.documents")
    fixed = run_migrate(runner)
    assert fixed.exit_code == 0, fixed.output
    assert "1 upgraded, 0 already at t0001, 0 failed." in fixed.output
    assert run_migrate(runner).output.strip() == "Every schema and database tenant is at t0001."


def test_migrate_database_tenants_reports_a_broken_one_and_is_idempotent(app, runner):
    databases = unprovisioned("database", 10)
    if db.engine.dialect.name == "sqlite":
        broken = databases[3]
        break_sqlite_tenant(broken)
    else:
        broken = f.tenant("dat-broken", isolation="database")
        database.create(broken.id)
        with database.engine_for(broken.id).begin() as conn:
            conn.exec_driver_sql("CREATE TABLE documents (wrong integer)")

    result = run_migrate(runner)
    assert result.exit_code == 1
    assert f"FAILED {broken.slug}" in result.output
    good = [t for t in databases if t is not broken]
    assert all(revision_of(t.id, "database") == HEAD for t in good)
    assert {"documents", "document_passages"} <= tables_of(good[0].id, "database")

    # Visiting everyone again changes nothing for the tenants already at head.
    events_before = db.session.scalar(select(db.func.count()).select_from(TenantPlaneState))
    again = run_migrate(runner, "--all")
    assert f"0 upgraded, {len(good)} already at t0001, 1 failed." in again.output
    assert db.session.scalar(select(db.func.count()).select_from(TenantPlaneState)) == events_before


def test_migrate_can_target_one_tenant(app, runner):
    first, second = unprovisioned("database", 2)
    result = run_migrate(runner, "--tenant", second.slug)
    assert result.exit_code == 0, result.output
    assert recorded(second.id).revision == HEAD
    assert recorded(first.id).revision is None  # reserved at creation, still not built
