"""tenant_slug_redirects: a renamed tenant's old address leads to it for 30 days (issue 11 §8)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 11:50:00

"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tenant_slug_redirects',
        sa.Column('old_slug', sa.String(length=63), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('old_slug'),
    )
    with op.batch_alter_table('tenant_slug_redirects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_slug_redirects_tenant_id'), ['tenant_id'], unique=False)


def downgrade():
    with op.batch_alter_table('tenant_slug_redirects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_slug_redirects_tenant_id'))
    op.drop_table('tenant_slug_redirects')
