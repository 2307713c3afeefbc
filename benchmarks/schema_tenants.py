"""Schema-per-tenant limits on one PostgreSQL database: provisioning, catalog growth, migrations per minute.

    .venv/bin/python benchmarks/schema_tenants.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_schemas   # an EMPTY database you own
    .venv/bin/python benchmarks/schema_tenants.py --database-url ... --tenants 1000 --batch 100

Creates --tenants schema-isolated tenants with the product's own code (`tenants.create_tenant`: a schema,
the tenant-plane tables, a stamped revision) in batches, and after each batch prints the seconds per
tenant, the catalog's size (relations in pg_class, database size) and the p95 of a knowledge-base query
in one early tenant (does a big catalog slow an ordinary request?). Then it measures migrations per
minute over every tenant, two ways:

- `flask tenants migrate --include-current` at head: the fleet walk itself (connect, enter the schema,
  read the revision, record it, audit), i.e. the floor of any migration;
- a one-statement DDL migration (`ALTER TABLE documents ADD COLUMN ...`, then dropped again) run in every
  tenant's schema in a transaction of its own, as `migrate_tenant` does.

The database is left behind (drop it yourself) so a second look is possible.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text

from app import create_app
from app.extensions import db
from app.models import Tenant
from app.placement import plane_migrations
from app.services import tenants
from app.services.audit import Actor
from app.services.plans import ensure_plans_seeded
from app.workspace.models import Document
from app.workspace.sessions import tenant_plane


def catalog(conn) -> tuple[int, int]:
    relations = conn.execute(text("SELECT count(*) FROM pg_class")).scalar_one()
    size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    return relations, size


def query_p95(tenant: Tenant, repeat: int = 50) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with tenant_plane(tenant) as session:
            session.scalar(select(func.count()).select_from(Document))
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return times[int(0.95 * (len(times) - 1))]


def per_minute(count: int, seconds: float) -> float:
    return count / seconds * 60 if seconds else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="an empty PostgreSQL database you own")
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    opts = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": opts.database_url,
                                 "TENANT_DATABASE_DIR": str(workdir / "t"), "STORAGE_DIR": str(workdir / "s")})
    actor = Actor.cli()
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs", flush=True)
    with app.app_context():
        db.create_all()
        ensure_plans_seeded()
        probe: Tenant | None = None
        made = 0
        while made < opts.tenants:
            started = time.perf_counter()
            for _ in range(min(opts.batch, opts.tenants - made)):
                made += 1
                tenant = tenants.create_tenant(f"Schema {made}", f"schema-{made}", f"owner{made}@schemas.bench",
                                               "pro", actor, status="active", isolation_strategy="schema")
                probe = probe or tenant
            elapsed = time.perf_counter() - started
            with db.engine.connect() as conn:
                relations, size = catalog(conn)
            print(f"{made:6d} schema tenants: {elapsed / opts.batch * 1000:7.1f} ms per tenant created; "
                  f"{relations:7d} relations, {size / 2**20:7.1f} MiB; query p95 in tenant 1 "
                  f"{query_p95(probe):5.2f} ms", flush=True)

        todo = plane_migrations.pending(include_current=True)
        started = time.perf_counter()
        failed = [o for o in (plane_migrations.migrate_tenant(*t) for t in todo) if not o.ok]
        walk = time.perf_counter() - started
        print(f"fleet walk at head (tenants migrate --include-current): {len(todo)} tenants in {walk:.1f} s = "
              f"{per_minute(len(todo), walk):,.0f} tenants/minute ({len(failed)} failed)", flush=True)

        for statement, label in (("ALTER TABLE documents ADD COLUMN bench_note text", "add a column"),
                                 ("ALTER TABLE documents DROP COLUMN bench_note", "drop it again")):
            started = time.perf_counter()
            for tenant_id, _slug, strategy in todo:
                with plane_migrations.tenant_connection(tenant_id, strategy) as conn:
                    conn.exec_driver_sql(statement)
            ddl = time.perf_counter() - started
            print(f"one-statement DDL migration ({label}): {len(todo)} tenants in {ddl:.1f} s = "
                  f"{per_minute(len(todo), ddl):,.0f} tenants/minute", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
