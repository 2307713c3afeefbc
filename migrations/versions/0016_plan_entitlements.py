"""plans.entitlements: the features each plan includes (issue 17)

SSO, SCIM and custom roles on Professional and up; audit export and webhooks on Basic and up.
The values are written here as they stood when this migration was written (the application
refreshes the rows from `PLAN_SEED` on start, `ensure_plans_seeded`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 08:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

BASIC = ["audit_export", "webhooks"]
PRO = [*BASIC, "custom_roles", "scim", "sso"]
ENTITLEMENTS = {"free": [], "basic": BASIC, "pro": PRO, "enterprise": PRO}


def upgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entitlements', sa.JSON(), nullable=False, server_default='[]'))
    plans = sa.table('plans', sa.column('code', sa.String), sa.column('entitlements', sa.JSON))
    for code, keys in ENTITLEMENTS.items():
        op.execute(plans.update().where(plans.c.code == code).values(entitlements=keys))


def downgrade():
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('entitlements')
