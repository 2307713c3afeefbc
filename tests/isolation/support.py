"""What the isolation and workspace tests share: tenants on each strategy, provisioned as at
sign-up, files and tenant databases kept out of the repository, and everything dropped after."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app import placement
from app.extensions import db
from app.models import Tenant
from app.placement import database
from app.services import storage
from tests import factories as f

STRATEGIES = [
    pytest.param("row", id="row"),
    pytest.param("schema", id="schema", marks=pytest.mark.postgres),
    pytest.param("database", id="database"),
]
SCRATCH = Path(tempfile.mkdtemp(prefix="tenant-plane-tests-"))
PLACES = {"STORAGE_DIR": str(SCRATCH / "storage"), "TENANT_DATABASE_DIR": str(SCRATCH / "tenants")}


def use_scratch_places(items: list[pytest.Item], here: Path) -> None:
    """Point STORAGE_DIR and the SQLite tenant databases of the tests under `here` at a scratch directory."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.app_config(**PLACES))


def tenant_on(strategy: str, slug: str | None = None, **kwargs) -> Tenant:
    """A tenant on `strategy`, with its schema or database created as `create_tenant` does."""
    created = f.tenant(slug, isolation=strategy, **kwargs)
    placement.provision(created)
    return created


def drop_tenant_planes() -> None:
    """Drop every tenant schema, tenant database and stored file the test left behind."""
    db.session.rollback()
    for tenant_id, strategy in db.session.execute(select(Tenant.id, Tenant.isolation_strategy)).all():
        if strategy == "database":
            database.drop(tenant_id)
        storage.delete_tenant_files(tenant_id)
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for (name,) in conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant\\_%'")):
                conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
            prefix = engine.url.database + "\\_tnt\\_%"
            for (name,) in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": prefix}):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(SCRATCH / "tenants", ignore_errors=True)
    shutil.rmtree(SCRATCH / "storage", ignore_errors=True)
    db.session.remove()


@pytest.fixture(autouse=True)
def drop_planes_after_each_test(app):
    """Imported by the tenant-plane test folders' conftest files: clean up after every test."""
    yield
    drop_tenant_planes()


@pytest.fixture(params=STRATEGIES)
def strategy(request) -> str:
    """Run the test once per isolation strategy (schema only on PostgreSQL)."""
    return request.param
