"""billing: subscriptions, invoices (+ lines, platform sequence), credits, payments, provider events;
tenant statuses past_due, read_only, pending_deletion

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 01:07:17.677797

"""
from alembic import op
import sqlalchemy as sa


OLD_STATUSES = "('trial', 'active', 'suspended', 'expired', 'deleted')"
NEW_STATUSES = "('trial', 'active', 'suspended', 'expired', 'deleted', 'past_due', 'read_only', 'pending_deletion')"


# Written out here rather than imported: a migration must not change when the app does (as in 0009).
SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS tenant_users_count_insert AFTER INSERT ON tenant_users
       WHEN NEW.status = 'active' BEGIN
         UPDATE tenants SET member_count = member_count + 1 WHERE id = NEW.tenant_id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS tenant_users_count_delete AFTER DELETE ON tenant_users
       WHEN OLD.status = 'active' BEGIN
         UPDATE tenants SET member_count = member_count - 1 WHERE id = OLD.tenant_id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS tenant_users_count_update AFTER UPDATE OF status, tenant_id ON tenant_users
       BEGIN
         UPDATE tenants SET member_count = member_count - 1 WHERE id = OLD.tenant_id AND OLD.status = 'active';
         UPDATE tenants SET member_count = member_count + 1 WHERE id = NEW.tenant_id AND NEW.status = 'active';
       END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS tenant_users_count_update", "DROP TRIGGER IF EXISTS tenant_users_count_delete",
               "DROP TRIGGER IF EXISTS tenant_users_count_insert"]


def _tenant_statuses(statuses: str, before: tuple[str, ...] = ()) -> None:
    """Replace the CHECK on tenants.status. PostgreSQL alters in place; SQLite rebuilds the table, so the
    membership triggers (which name `tenants`) come off first and the expression index is put back."""
    name = op.f('ck_tenants_status_valid')
    if op.get_bind().dialect.name != 'sqlite':
        for statement in before:
            op.execute(statement)
        op.drop_constraint(name, 'tenants', type_='check')
        op.create_check_constraint(name, 'tenants', f"status IN {statuses}")
        return
    # Dropping the old table would otherwise cascade to every membership and config row.
    # (A PRAGMA inside a transaction is ignored, so it goes before any other statement.)
    op.execute("PRAGMA foreign_keys=OFF")
    for statement in before:
        op.execute(statement)
    for statement in SQLITE_DROP:
        op.execute(statement)
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_constraint(name, type_='check')
        batch_op.create_check_constraint(name, f"status IN {statuses}")
    op.execute("CREATE INDEX IF NOT EXISTS ix_tenants_name_lower ON tenants (lower(name), id)")
    for statement in SQLITE_TRIGGERS:
        op.execute(statement)
    op.execute("PRAGMA foreign_keys=ON")


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    _tenant_statuses(NEW_STATUSES)
    op.create_table('billing_provider_events',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('created', sa.BigInteger(), nullable=False),
    sa.Column('handled_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_provider_events'))
    )
    op.create_table('invoice_sequence',
    sa.Column('name', sa.String(length=16), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_invoice_sequence'))
    )
    op.create_table('invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=True),
    sa.Column('tenant_name', sa.String(length=120), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('paid_at', sa.DateTime(), nullable=True),
    sa.Column('period_start', sa.DateTime(), nullable=True),
    sa.Column('period_end', sa.DateTime(), nullable=True),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('bill_to', sa.JSON(), nullable=False),
    sa.Column('provider_invoice_id', sa.String(length=64), nullable=True),
    sa.CheckConstraint("status IN ('open', 'paid', 'void')", name=op.f('ck_invoices_status_valid')),
    sa.CheckConstraint('total_cents >= 0', name=op.f('ck_invoices_total_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoices_tenant_id_tenants'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name=op.f('uq_invoices_number'))
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoices_provider_invoice_id'), ['provider_invoice_id'], unique=False)
        batch_op.create_index('ix_invoices_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_invoices_tenant_issued', ['tenant_id', 'issued_at'], unique=False)

    op.create_table('subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('current_period_start', sa.DateTime(), nullable=False),
    sa.Column('current_period_end', sa.DateTime(), nullable=False),
    sa.Column('anchor_day', sa.Integer(), nullable=False),
    sa.Column('trial_ends_at', sa.DateTime(), nullable=True),
    sa.Column('scheduled_plan_code', sa.String(length=32), nullable=True),
    sa.Column('cancel_at_period_end', sa.Boolean(), nullable=False),
    sa.Column('custom_price_cents', sa.Integer(), nullable=True),
    sa.Column('comp_next_period', sa.Boolean(), nullable=False),
    sa.Column('past_due_since', sa.DateTime(), nullable=True),
    sa.Column('payment_method', sa.String(length=64), nullable=True),
    sa.Column('provider_customer_id', sa.String(length=64), nullable=True),
    sa.Column('provider_subscription_id', sa.String(length=64), nullable=True),
    sa.Column('company_name', sa.String(length=200), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('tax_id', sa.String(length=64), nullable=True),
    sa.Column('billing_email', sa.String(length=254), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['scheduled_plan_code'], ['plans.code'], name=op.f('fk_subscriptions_scheduled_plan_code_plans')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_subscriptions_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('tenant_id', name=op.f('uq_subscriptions_tenant_id'))
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_current_period_end'), ['current_period_end'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_past_due_since'), ['past_due_since'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_provider_customer_id'), ['provider_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_provider_subscription_id'), ['provider_subscription_id'], unique=False)

    op.create_table('billing_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_billing_credits_invoice_id_invoices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_billing_credits_tenant_id_tenants'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_credits'))
    )
    with op.batch_alter_table('billing_credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_credits_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('invoice_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('plan_code', sa.String(length=32), nullable=True),
    sa.Column('period_start', sa.DateTime(), nullable=True),
    sa.Column('period_end', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_invoice_lines_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_lines')),
    sa.UniqueConstraint('invoice_id', 'position', name='uq_invoice_lines_position')
    )
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('provider', sa.String(length=16), nullable=False),
    sa.Column('provider_payment_id', sa.String(length=64), nullable=True),
    sa.Column('failure_message', sa.String(length=255), nullable=True),
    sa.Column('attempted_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('succeeded', 'failed')", name=op.f('ck_payments_status_valid')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_payments_invoice_id_invoices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_invoice_id'), ['invoice_id'], unique=False)



def downgrade():
    _tenant_statuses(OLD_STATUSES, before=(
        "UPDATE tenants SET status = 'active' WHERE status IN ('past_due', 'read_only')",
        "UPDATE tenants SET status = 'suspended' WHERE status = 'pending_deletion'",
    ))
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_invoice_id'))

    op.drop_table('payments')
    op.drop_table('invoice_lines')
    with op.batch_alter_table('billing_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_credits_tenant_id'))

    op.drop_table('billing_credits')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_provider_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_provider_customer_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_past_due_since'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_current_period_end'))

    op.drop_table('subscriptions')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_tenant_issued')
        batch_op.drop_index('ix_invoices_status_due')
        batch_op.drop_index(batch_op.f('ix_invoices_provider_invoice_id'))

    op.drop_table('invoices')
    op.drop_table('invoice_sequence')
    op.drop_table('billing_provider_events')
