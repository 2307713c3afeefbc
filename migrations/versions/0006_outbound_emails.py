"""outbound emails: the outbox every message leaves through (sealed body, attempts, last error)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-10 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbound_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('ref', sa.String(length=64), nullable=True),
    sa.Column('tenant_id', sa.String(length=32), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('sealed_text', sa.Text(), nullable=True),
    sa.Column('sealed_html', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('sent_by', sa.String(length=128), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'retrying', 'sent', 'failed', 'cancelled')", name=op.f('ck_outbound_emails_status_valid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbound_emails'))
    )
    op.create_index('ix_outbound_emails_ref', 'outbound_emails', ['ref'], unique=False)
    op.create_index('ix_outbound_emails_status_created', 'outbound_emails', ['status', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_outbound_emails_status_created', table_name='outbound_emails')
    op.drop_index('ix_outbound_emails_ref', table_name='outbound_emails')
    op.drop_table('outbound_emails')
