"""PostgreSQL trigram indexes, so searching 10,000 tenants by part of a name, slug or owner email reads
an index instead of every row (`services.tenants.filtered_query`; `LIKE '%acme%'` can use them).

They need the `pg_trgm` extension, a trusted one: any role that may create in the database installs
it. Without it (no privilege, or not shipped) the statements leave a notice and search still works,
scanning. Created by `create_all` (through these hooks) and by migration 0009; Alembic's comparison
leaves them be (`TRIGRAM_INDEXES`, see `app.workspace.ddl.include_object`): SQLAlchemy models cannot
declare an operator-class index that exists only when an extension does.
"""

from __future__ import annotations

from sqlalchemy import Table, event

TRIGRAM_INDEXES = {
    "tenants": {"trgm_tenants_name": "lower(name) gin_trgm_ops", "trgm_tenants_slug": "slug gin_trgm_ops"},
    "users": {"trgm_users_email": "email gin_trgm_ops"},
}
INDEX_NAMES = frozenset(name for indexes in TRIGRAM_INDEXES.values() for name in indexes)

EXTENSION = """DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available: substring search of tenants scans';
END $$"""


def index_statements(table: str) -> list[str]:
    creates = "\n".join(f"    CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression});"
                        for name, expression in TRIGRAM_INDEXES[table].items())
    return [EXTENSION, f"""DO $$ BEGIN
  IF EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_trgm') THEN
{creates}
  END IF;
END $$"""]


def _after_create(target: Table, connection, **_kw) -> None:
    if connection.dialect.name == "postgresql":
        for statement in index_statements(target.name):
            connection.exec_driver_sql(statement)


def attach(*tables: Table) -> None:
    for table in tables:
        event.listen(table, "after_create", _after_create)
