"""subscriptions.dunning_emails_sent: which dunning emails have gone out (the tick sends each once)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dunning_emails_sent', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_column('dunning_emails_sent')
