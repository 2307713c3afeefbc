"""sso: connections, identities, verified domains, SAML replay cache, require_sso

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:13:02

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sso_connections',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('protocol', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('disabled_by_platform', sa.Boolean(), nullable=False),
    sa.Column('default_role', sa.String(length=16), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('secret_ciphertext', sa.Text(), nullable=True),
    sa.Column('group_roles', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("default_role IN ('owner', 'admin', 'member', 'viewer')", name=op.f('ck_sso_connections_default_role_valid')),
    sa.CheckConstraint("protocol IN ('oidc', 'saml', 'ldap')", name=op.f('ck_sso_connections_protocol_valid')),
    sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f('ck_sso_connections_status_valid')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_sso_connections_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_connections'))
    )
    with op.batch_alter_table('sso_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_connections_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('tenant_domains',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('domain', sa.String(length=253), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('auto_join', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('verified_at', sa.DateTime(), nullable=True),
    sa.Column('last_checked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'verified')", name=op.f('ck_tenant_domains_status_valid')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_domains_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_domains')),
    sa.UniqueConstraint('tenant_id', 'domain', name='uq_tenant_domains_tenant_domain')
    )
    with op.batch_alter_table('tenant_domains', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_domains_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('uq_tenant_domains_verified_domain', ['domain'], unique=True, sqlite_where=sa.text("status = 'verified'"), postgresql_where=sa.text("status = 'verified'"))

    op.create_table('saml_assertions_seen',
    sa.Column('assertion_id', sa.String(length=255), nullable=False),
    sa.Column('connection_id', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['sso_connections.id'], name=op.f('fk_saml_assertions_seen_connection_id_sso_connections'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assertion_id', name=op.f('pk_saml_assertions_seen'))
    )
    with op.batch_alter_table('saml_assertions_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saml_assertions_seen_connection_id'), ['connection_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saml_assertions_seen_expires_at'), ['expires_at'], unique=False)

    op.create_table('sso_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['connection_id'], ['sso_connections.id'], name=op.f('fk_sso_identities_connection_id_sso_connections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sso_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sso_identities')),
    sa.UniqueConstraint('connection_id', 'subject', name='uq_sso_identities_connection_subject')
    )
    with op.batch_alter_table('sso_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sso_identities_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('tenant_configs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_sso', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('sso_recovery_code_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('tenant_configs', schema=None) as batch_op:
        batch_op.drop_column('sso_recovery_code_hash')
        batch_op.drop_column('require_sso')

    with op.batch_alter_table('sso_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_identities_user_id'))

    op.drop_table('sso_identities')
    with op.batch_alter_table('saml_assertions_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saml_assertions_seen_expires_at'))
        batch_op.drop_index(batch_op.f('ix_saml_assertions_seen_connection_id'))

    op.drop_table('saml_assertions_seen')
    with op.batch_alter_table('tenant_domains', schema=None) as batch_op:
        batch_op.drop_index('uq_tenant_domains_verified_domain', sqlite_where=sa.text("status = 'verified'"), postgresql_where=sa.text("status = 'verified'"))
        batch_op.drop_index(batch_op.f('ix_tenant_domains_tenant_id'))

    op.drop_table('tenant_domains')
    with op.batch_alter_table('sso_connections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sso_connections_tenant_id'))

    op.drop_table('sso_connections')
