"""stripe: provider events name their object and outcome, so out-of-order webhooks change nothing (issue 16, Providers)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 11:30:00

"""

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('billing_provider_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('object_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_billing_provider_events_object_id'), ['object_id'], unique=False)


def downgrade():
    with op.batch_alter_table('billing_provider_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_provider_events_object_id'))
        batch_op.drop_column('outcome')
        batch_op.drop_column('object_id')
