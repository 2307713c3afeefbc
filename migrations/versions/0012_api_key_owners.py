"""api_keys.owned_by_id: a key hangs on its owner's access (issue 9, finding 3)

Existing keys answer to whoever created them; keys made by the CLI (no creator) stay the operator's.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owned_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_api_keys_owned_by_id'), ['owned_by_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_api_keys_owned_by_id_users'), 'users', ['owned_by_id'], ['id'],
                                    ondelete='SET NULL')
    op.execute("UPDATE api_keys SET owned_by_id = created_by_id")


def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_keys_owned_by_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_api_keys_owned_by_id'))
        batch_op.drop_column('owned_by_id')
