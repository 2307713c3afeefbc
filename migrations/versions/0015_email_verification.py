"""users.email_verified_at: email ownership is verified (issue 9, finding 2)

Every account that exists when this runs is marked verified (as of its creation): those accounts
were made before the rule existed, by sign-up, invitation, SSO, the CLI or the demo seed, and
refusing them now would lock working teams out of adding each other. New sign-ups start unverified.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 01:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE users SET email_verified_at = created_at")


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
