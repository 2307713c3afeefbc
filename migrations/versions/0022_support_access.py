"""support_access_grants: platform admins' access to a tenant, approved by its owners (issue 17)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 11:30:00

"""

from alembic import op
import sqlalchemy as sa



revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'support_access_grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('admin_user_id', sa.Integer(), nullable=True),
        sa.Column('admin_label', sa.String(length=254), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('duration_minutes', sa.Integer(), nullable=False),
        sa.Column('standing', sa.Boolean(), nullable=False),
        sa.Column('break_glass', sa.Boolean(), nullable=False),
        sa.Column('created_by_label', sa.String(length=254), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_label', sa.String(length=254), nullable=True),
        sa.Column('decided_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('ended_by_label', sa.String(length=254), nullable=True),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('support_access_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_access_grants_admin_user_id'), ['admin_user_id'], unique=False)
        batch_op.create_index('ix_support_access_grants_tenant_status', ['tenant_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('support_access_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_support_access_grants_tenant_status')
        batch_op.drop_index(batch_op.f('ix_support_access_grants_admin_user_id'))
    op.drop_table('support_access_grants')
