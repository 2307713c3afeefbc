"""beta_features: tenant-visible beta toggles, allowed per tenant by platform admins (issue 17)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 19:30:00

A control-plane table beside tenant_flag_overrides (keyed by tenant_id, like every control-plane
table, whatever the tenant's isolation strategy). Nothing to copy in: no tenant has a beta yet.
"""

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tenant_beta_features',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('allowed', sa.Boolean(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('changed_by', sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant_id', 'key', name='uq_tenant_beta_features_tenant_key'),
    )
    with op.batch_alter_table('tenant_beta_features', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_beta_features_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tenant_beta_features', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_beta_features_tenant_id'))
    op.drop_table('tenant_beta_features')
