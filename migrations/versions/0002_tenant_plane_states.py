"""tenant plane states: each tenant's schema/database revision, for `tenants migrate`

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 07:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tenant_plane_states',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('revision', sa.String(length=32), nullable=True),
    sa.Column('migrated_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_plane_states_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_tenant_plane_states'))
    )


def downgrade():
    op.drop_table('tenant_plane_states')
