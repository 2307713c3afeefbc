"""flag_overrides: per-tenant feature-flag overrides; the tenant_configs.feature_flags values move into them (issue 17)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 12:20:00

The JSON map on tenant_configs becomes override rows (one per flag, no expiry, set by
"migration") and the map is emptied, so there is one source of truth. The column stays (empty)
until every reader has moved; downgrade copies the unexpired overrides back into it.
"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tenant_flag_overrides',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('set_by', sa.String(length=254), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant_id', 'key', name='uq_tenant_flag_overrides_tenant_key'),
    )
    with op.batch_alter_table('tenant_flag_overrides', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_flag_overrides_tenant_id'), ['tenant_id'], unique=False)

    bind = op.get_bind()
    configs = sa.table('tenant_configs', sa.column('tenant_id', sa.String), sa.column('feature_flags', sa.JSON))
    overrides = sa.table('tenant_flag_overrides', sa.column('tenant_id', sa.String), sa.column('key', sa.String),
                         sa.column('enabled', sa.Boolean), sa.column('expires_at', sa.DateTime),
                         sa.column('set_by', sa.String), sa.column('note', sa.String),
                         sa.column('updated_at', sa.DateTime))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = []
    for tenant_id, flags in bind.execute(sa.select(configs.c.tenant_id, configs.c.feature_flags)):
        for key, value in sorted((flags or {}).items()):
            rows.append({"tenant_id": tenant_id, "key": key, "enabled": bool(value), "expires_at": None,
                         "set_by": "migration", "note": "", "updated_at": now})
    if rows:
        op.bulk_insert(overrides, rows)
    bind.execute(configs.update().values(feature_flags={}))


def downgrade():
    bind = op.get_bind()
    configs = sa.table('tenant_configs', sa.column('tenant_id', sa.String), sa.column('feature_flags', sa.JSON))
    overrides = sa.table('tenant_flag_overrides', sa.column('tenant_id', sa.String), sa.column('key', sa.String),
                         sa.column('enabled', sa.Boolean), sa.column('expires_at', sa.DateTime))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    flags: dict[str, dict[str, bool]] = {}
    for tenant_id, key, enabled, expires_at in bind.execute(sa.select(
            overrides.c.tenant_id, overrides.c.key, overrides.c.enabled, overrides.c.expires_at)):
        if expires_at is None or expires_at > now:
            flags.setdefault(tenant_id, {})[key] = bool(enabled)
    for tenant_id, value in flags.items():
        bind.execute(configs.update().where(configs.c.tenant_id == tenant_id).values(feature_flags=value))
    with op.batch_alter_table('tenant_flag_overrides', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_flag_overrides_tenant_id'))
    op.drop_table('tenant_flag_overrides')
