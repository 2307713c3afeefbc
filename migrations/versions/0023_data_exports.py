"""data_exports: an organisation's export zips, their progress and expiry (issue 17, data export)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 11:30:00

"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=True),
        sa.Column('requested_by_label', sa.String(length=254), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=32), nullable=False),
        sa.Column('storage_key', sa.String(length=128), nullable=True),
        sa.Column('size_bytes', sa.BigInteger(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'expired')",
                           name=op.f('ck_data_exports_status_valid')),
        sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_data_exports_progress_range')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_data_exports_requested_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_data_exports_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    )
    op.create_index('ix_data_exports_tenant_status', 'data_exports', ['tenant_id', 'status'], unique=False)


def downgrade():
    op.drop_index('ix_data_exports_tenant_status', table_name='data_exports')
    op.drop_table('data_exports')
