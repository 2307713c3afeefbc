"""tenants: member_count (kept by triggers on tenant_users) and this month's API calls, with the
indexes the admin tenant table sorts by (members, API calls, lower(name)); PostgreSQL: trigram indexes
for substring search of tenant names, slugs and user emails (when pg_trgm can be installed)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:20:00

"""
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

NO_USAGE_MONTH = '2000-01-01'
# Written out here rather than imported: a migration must not change when the app does.
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
SQLITE_DROP = ["DROP TRIGGER IF EXISTS tenant_users_count_update", "DROP TRIGGER IF EXISTS tenant_users_count_delete",
               "DROP TRIGGER IF EXISTS tenant_users_count_insert"]
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
TRIGRAM_SQL = [
    """DO $$ BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm is not available: substring search of tenants scans';
    END $$""",
    """DO $$ BEGIN
      IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS trgm_tenants_name ON tenants USING gin (lower(name) gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS trgm_tenants_slug ON tenants USING gin (slug gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS trgm_users_email ON users USING gin (email gin_trgm_ops);
      END IF;
    END $$""",
]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS trgm_tenants_name", "DROP INDEX IF EXISTS trgm_tenants_slug",
                   "DROP INDEX IF EXISTS trgm_users_email", "DROP TRIGGER IF EXISTS tenant_users_count ON tenant_users",
                   "DROP FUNCTION IF EXISTS tenant_users_count()"]


def upgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('member_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('api_calls_month', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('api_calls_month_start', sa.Date(), server_default=NO_USAGE_MONTH,
                                      nullable=False))
        batch_op.create_index('ix_tenants_member_count', ['member_count', 'id'], unique=False)
        batch_op.create_index('ix_tenants_api_calls', ['api_calls_month_start', 'api_calls_month', 'id'],
                              unique=False)
    op.create_index('ix_tenants_name_lower', 'tenants', [sa.text('lower(name)'), 'id'], unique=False)

    bind = op.get_bind()
    bind.execute(sa.text("UPDATE tenants SET member_count = (SELECT count(*) FROM tenant_users "
                         "WHERE tenant_users.tenant_id = tenants.id AND tenant_users.status = 'active')"))
    # Each tenant's latest month of usage: its running total is the largest month_to_date in that month.
    latest = bind.execute(sa.text("SELECT tenant_id, max(day) FROM api_usage_daily GROUP BY tenant_id")).all()
    for tenant_id, last_day in latest:
        last_day = date.fromisoformat(last_day) if isinstance(last_day, str) else last_day
        month_start = last_day.replace(day=1)
        total = bind.execute(sa.text("SELECT max(month_to_date) FROM api_usage_daily WHERE tenant_id = :t "
                                     "AND day >= :m"), {"t": tenant_id, "m": month_start}).scalar() or 0
        bind.execute(sa.text("UPDATE tenants SET api_calls_month = :n, api_calls_month_start = :m WHERE id = :t"),
                     {"n": total, "m": month_start, "t": tenant_id})
    for statement in POSTGRESQL_TRIGGERS + TRIGRAM_SQL if bind.dialect.name == 'postgresql' else SQLITE_TRIGGERS:
        bind.exec_driver_sql(statement)


def downgrade():
    bind = op.get_bind()
    for statement in POSTGRESQL_DROP if bind.dialect.name == 'postgresql' else SQLITE_DROP:
        bind.exec_driver_sql(statement)
    op.drop_index('ix_tenants_name_lower', table_name='tenants')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_index('ix_tenants_api_calls')
        batch_op.drop_index('ix_tenants_member_count')
        batch_op.drop_column('api_calls_month_start')
        batch_op.drop_column('api_calls_month')
        batch_op.drop_column('member_count')
