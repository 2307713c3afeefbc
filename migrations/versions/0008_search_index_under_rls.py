"""PostgreSQL: mark the full-text match function LEAKPROOF so row-level security can use the GIN index

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14 22:00:00

Under row-level security a condition may become an index condition only if its function is
LEAKPROOF; `ts_match_vq` (the `@@` of tsvector and tsquery) is not marked so by default, so every
knowledge-base search of a row-isolated tenant read all of its passages. Needs a superuser; without
one the migration leaves a notice and changes nothing (see docs/isolation.md).
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Written out here rather than imported: a migration must not change when the app does.
MARK = """DO $$ BEGIN
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION ts_match_vq(tsvector, tsquery) {mode};
  ELSE
    RAISE NOTICE 'not a superuser: ts_match_vq left as it is';
  END IF;
END $$"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(MARK.format(mode='LEAKPROOF'))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(MARK.format(mode='NOT LEAKPROOF'))
