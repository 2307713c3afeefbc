"""tenant_roles, tenant_user_roles: custom roles per tenant, several per member (issue 17)

`custom_roles` is already among the Professional and Enterprise plans' entitlements (0016 wrote
it with the catalogue); this migration adds the tables the feature keeps, and the custom role an API key may hold.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 21:20:00

"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tenant_roles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('description', sa.String(length=500), nullable=False),
        sa.Column('permissions', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_roles_tenant_id_tenants'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_roles')),
        sa.UniqueConstraint('tenant_id', 'key', name='uq_tenant_roles_tenant_key'),
        sa.UniqueConstraint('tenant_id', 'name', name='uq_tenant_roles_tenant_name'),
    )
    op.create_index(op.f('ix_tenant_roles_tenant_id'), 'tenant_roles', ['tenant_id'], unique=False)
    op.create_table(
        'tenant_user_roles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['role_id'], ['tenant_roles.id'], name=op.f('fk_tenant_user_roles_role_id_tenant_roles'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['tenant_users.tenant_id', 'tenant_users.user_id'],
                                name='fk_tenant_user_roles_membership', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_user_roles')),
        sa.UniqueConstraint('role_id', 'user_id', name='uq_tenant_user_roles_role_user'),
    )
    op.create_index(op.f('ix_tenant_user_roles_tenant_id'), 'tenant_user_roles', ['tenant_id'], unique=False)
    op.create_index(op.f('ix_tenant_user_roles_role_id'), 'tenant_user_roles', ['role_id'], unique=False)
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('custom_role_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_api_keys_custom_role_id_tenant_roles'), 'tenant_roles',
                                    ['custom_role_id'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_api_keys_custom_role_id_tenant_roles'), type_='foreignkey')
        batch_op.drop_column('custom_role_id')
    op.drop_table('tenant_user_roles')
    op.drop_table('tenant_roles')
