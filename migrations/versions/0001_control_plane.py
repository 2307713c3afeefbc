"""control plane: plans, tenants, users, memberships, invitations, usage, audit, api keys

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 07:19:59.608101

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# The release notes' four plans, as they stood when this migration was written. A migration
# must not import the app's current PLAN_SEED: later edits to it would rewrite history.
GIB = 2**30
PLANS = [
    {"code": "free", "name": "Free", "price_cents": 0, "max_users": 5,
     "max_storage_bytes": 1 * GIB, "max_api_calls_per_month": 1_000, "sort_order": 0},
    {"code": "basic", "name": "Basic", "price_cents": 9_900, "max_users": 20,
     "max_storage_bytes": 10 * GIB, "max_api_calls_per_month": 10_000, "sort_order": 1},
    {"code": "pro", "name": "Professional", "price_cents": 29_900, "max_users": 50,
     "max_storage_bytes": 50 * GIB, "max_api_calls_per_month": 50_000, "sort_order": 2},
    {"code": "enterprise", "name": "Enterprise", "price_cents": None, "max_users": None,
     "max_storage_bytes": None, "max_api_calls_per_month": None, "sort_order": 3},
]


def upgrade():
    op.create_table('audit_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=254), nullable=False),
    sa.Column('impersonator_user_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=32), nullable=True),
    sa.Column('target_id', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_action', ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_actor_user_id'), ['actor_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_audit_events_tenant_created', ['tenant_id', 'created_at'], unique=False)

    op.create_table('plans',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=True),
    sa.Column('max_users', sa.Integer(), nullable=True),
    sa.Column('max_storage_bytes', sa.BigInteger(), nullable=True),
    sa.Column('max_api_calls_per_month', sa.Integer(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_plans'))
    )
    plans = sa.table('plans', sa.column('code', sa.String), sa.column('name', sa.String),
                     sa.column('price_cents', sa.Integer), sa.column('max_users', sa.Integer),
                     sa.column('max_storage_bytes', sa.BigInteger), sa.column('max_api_calls_per_month', sa.Integer),
                     sa.column('sort_order', sa.Integer))
    op.bulk_insert(plans, PLANS)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('is_platform_admin', sa.Boolean(), nullable=False),
    sa.Column('is_disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.Column('last_tenant_id', sa.String(length=32), nullable=True),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('tenants',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('plan_code', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('trial_ends_at', sa.DateTime(), nullable=True),
    sa.Column('suspended_reason', sa.Text(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('status_before_delete', sa.String(length=16), nullable=True),
    sa.Column('isolation_strategy', sa.String(length=16), nullable=False),
    sa.Column('storage_used_bytes', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("isolation_strategy IN ('row', 'schema', 'database')", name=op.f('ck_tenants_isolation_valid')),
    sa.CheckConstraint("status IN ('trial', 'active', 'suspended', 'expired', 'deleted')", name=op.f('ck_tenants_status_valid')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_tenants_owner_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_code'], ['plans.code'], name=op.f('fk_tenants_plan_code_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenants_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenants_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenants_plan_code'), ['plan_code'], unique=False)
        batch_op.create_index('ix_tenants_status_plan', ['status', 'plan_code'], unique=False)

    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=True),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_keys_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_api_keys_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('api_usage_daily',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('month_to_date', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_api_usage_daily_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'day', name=op.f('pk_api_usage_daily'))
    )
    op.create_table('tenant_configs',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('brand_color', sa.String(length=7), nullable=False),
    sa.Column('feature_flags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_configs_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_tenant_configs'))
    )
    op.create_table('tenant_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(), nullable=False),
    sa.Column('send_count', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name=op.f('ck_tenant_invitations_role_valid')),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'revoked', 'expired')", name=op.f('ck_tenant_invitations_status_valid')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_tenant_invitations_accepted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_tenant_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_invitations_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_tenant_invitations_token_hash'))
    )
    with op.batch_alter_table('tenant_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tenant_invitations_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('uq_tenant_invitations_pending_email', ['tenant_id', 'email'], unique=True, sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))

    op.create_table('tenant_quotas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('resource', sa.String(length=32), nullable=False),
    sa.Column('limit_value', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_quotas_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_quotas')),
    sa.UniqueConstraint('tenant_id', 'resource', name='uq_tenant_quotas_tenant_resource')
    )
    op.create_table('tenant_users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('joined_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("role IN ('owner', 'admin', 'member', 'viewer')", name=op.f('ck_tenant_users_role_valid')),
    sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f('ck_tenant_users_status_valid')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_tenant_users_tenant_id_tenants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tenant_users_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenant_users')),
    sa.UniqueConstraint('tenant_id', 'user_id', name='uq_tenant_users_tenant_user')
    )
    with op.batch_alter_table('tenant_users', schema=None) as batch_op:
        batch_op.create_index('ix_tenant_users_tenant_role', ['tenant_id', 'role'], unique=False)
        batch_op.create_index(batch_op.f('ix_tenant_users_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('tenant_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tenant_users_user_id'))
        batch_op.drop_index('ix_tenant_users_tenant_role')

    op.drop_table('tenant_users')
    op.drop_table('tenant_quotas')
    with op.batch_alter_table('tenant_invitations', schema=None) as batch_op:
        batch_op.drop_index('uq_tenant_invitations_pending_email', sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_tenant_invitations_tenant_id'))

    op.drop_table('tenant_invitations')
    op.drop_table('tenant_configs')
    op.drop_table('api_usage_daily')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_tenant_id'))

    op.drop_table('api_keys')
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_index('ix_tenants_status_plan')
        batch_op.drop_index(batch_op.f('ix_tenants_plan_code'))
        batch_op.drop_index(batch_op.f('ix_tenants_owner_id'))
        batch_op.drop_index(batch_op.f('ix_tenants_created_at'))

    op.drop_table('tenants')
    op.drop_table('users')
    op.drop_table('plans')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_tenant_created')
        batch_op.drop_index(batch_op.f('ix_audit_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_user_id'))
        batch_op.drop_index('ix_audit_events_action')

    op.drop_table('audit_events')
