"""Counters on the tenant row that the database keeps on write, so fleet pages never count 100,000 rows.

`tenants.member_count` is the number of the tenant's active memberships. Triggers on `tenant_users`
add or subtract one as a membership is inserted, deleted (a removed member, a deleted user's
cascade) or changes status or tenant, whatever wrote it: a service, a bulk insert, a migration.
Increments, not recounts: concurrent transactions each lock the tenant row for their own +1, so
the count stays exact under concurrency (a recount would miss the other's uncommitted row).

The triggers are attached to `create_all` (the test harness builds tables that way) and written out
literally in the migration that introduced them, which must not change when this module does.
"""

from __future__ import annotations

from sqlalchemy import Table, event

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS tenant_users_count_insert AFTER INSERT ON tenant_users
       WHEN NEW.status = 'active' BEGIN
         UPDATE tenants SET member_count = member_count + 1 WHERE id = NEW.tenant_id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS tenant_users_count_delete AFTER DELETE ON tenant_users
       WHEN OLD.status = 'active' BEGIN
         UPDATE tenants SET member_count = member_count - 1 WHERE id = OLD.tenant_id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS tenant_users_count_update AFTER UPDATE OF status, tenant_id ON tenant_users
       BEGIN
         UPDATE tenants SET member_count = member_count - 1 WHERE id = OLD.tenant_id AND OLD.status = 'active';
         UPDATE tenants SET member_count = member_count + 1 WHERE id = NEW.tenant_id AND NEW.status = 'active';
       END""",
]
POSTGRESQL_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION tenant_users_count() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.status = 'active' THEN
           UPDATE tenants SET member_count = member_count - 1 WHERE id = OLD.tenant_id;
         END IF;
         IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'active' THEN
           UPDATE tenants SET member_count = member_count + 1 WHERE id = NEW.tenant_id;
         END IF;
         RETURN NULL;
       END $$""",
    "DROP TRIGGER IF EXISTS tenant_users_count ON tenant_users",
    """CREATE TRIGGER tenant_users_count AFTER INSERT OR DELETE OR UPDATE OF status, tenant_id ON tenant_users
       FOR EACH ROW EXECUTE FUNCTION tenant_users_count()""",
]


def trigger_statements(dialect: str) -> list[str]:
    return POSTGRESQL_TRIGGERS if dialect == "postgresql" else SQLITE_TRIGGERS


def _after_create(target: Table, connection, **_kw) -> None:
    for statement in trigger_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def attach(memberships: Table) -> None:
    event.listen(memberships, "after_create", _after_create)
