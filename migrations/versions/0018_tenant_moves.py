"""tenant_moves: a tenant's move between isolation tiers, with its phase (issue 13 §3)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 21:15:00

"""

from alembic import op
import sqlalchemy as sa



revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tenant_moves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('target', sa.String(length=16), nullable=False),
        sa.Column('phase', sa.String(length=16), nullable=False),
        sa.Column('verified', sa.JSON(), nullable=True),
        sa.Column('copied_rows', sa.Integer(), nullable=False),
        sa.Column('actor_label', sa.String(length=254), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('tenant_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_moves_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tenant_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_moves_tenant_id'))
    op.drop_table('tenant_moves')
