"""SCIM directory sync: scim_tokens, scim_users, scim_groups, scim_group_members

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 01:06:50.265182

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scim_groups',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=254), nullable=False),
    sa.Column('display_name_key', sa.String(length=254), nullable=False),
    sa.Column('external_id', sa.String(length=254), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_groups_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_groups')),
    sa.UniqueConstraint('tenant_id', 'display_name_key', name='uq_scim_groups_tenant_display_name')
    )
    with op.batch_alter_table('scim_groups', schema=None) as batch_op:
        batch_op.create_index('ix_scim_groups_tenant_external_id', ['tenant_id', 'external_id'], unique=False)

    op.create_table('scim_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scim_tokens_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_tokens_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_scim_tokens_token_hash'))
    )
    with op.batch_alter_table('scim_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_tokens_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('scim_users',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_name', sa.String(length=254), nullable=False),
    sa.Column('user_name_key', sa.String(length=254), nullable=False),
    sa.Column('external_id', sa.String(length=254), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('attributes', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_scim_users_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_scim_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scim_users')),
    sa.UniqueConstraint('tenant_id', 'user_id', name='uq_scim_users_tenant_user'),
    sa.UniqueConstraint('tenant_id', 'user_name_key', name='uq_scim_users_tenant_user_name')
    )
    with op.batch_alter_table('scim_users', schema=None) as batch_op:
        batch_op.create_index('ix_scim_users_tenant_external_id', ['tenant_id', 'external_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scim_users_user_id'), ['user_id'], unique=False)

    op.create_table('scim_group_members',
    sa.Column('group_id', sa.String(length=32), nullable=False),
    sa.Column('scim_user_id', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['scim_groups.id'], name=op.f('fk_scim_group_members_group_id_scim_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scim_user_id'], ['scim_users.id'], name=op.f('fk_scim_group_members_scim_user_id_scim_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'scim_user_id', name=op.f('pk_scim_group_members'))
    )
    with op.batch_alter_table('scim_group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scim_group_members_scim_user_id'), ['scim_user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('scim_group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scim_group_members_scim_user_id'))

    op.drop_table('scim_group_members')
    with op.batch_alter_table('scim_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scim_users_user_id'))
        batch_op.drop_index('ix_scim_users_tenant_external_id')

    op.drop_table('scim_users')
    with op.batch_alter_table('scim_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scim_tokens_tenant_id'))

    op.drop_table('scim_tokens')
    with op.batch_alter_table('scim_groups', schema=None) as batch_op:
        batch_op.drop_index('ix_scim_groups_tenant_external_id')

    op.drop_table('scim_groups')
