"""Database objects of the tenant plane that a `Table` cannot describe.

- PostgreSQL, row strategy: row-level security on every tenant-plane table, keyed on the
  per-transaction setting `app.tenant_id`, forced on the owner too, and the role `portal_app`
  that owns nothing, cannot bypass RLS and holds only DML on these tables. The tenant-plane
  session switches to it with `SET LOCAL ROLE` (app/placement/row.py).
- PostgreSQL: the full-text match operator marked LEAKPROOF, so the GIN index serves searches
  under row-level security (`search_index_statements`).
- SQLite: an FTS5 index of the passages, kept in step by triggers.

They are attached to `create_all` (the test harness builds tables that way) and written out
literally in the migrations, which must not change when this module does.
"""

from __future__ import annotations

from sqlalchemy import Table

APP_ROLE = "portal_app"
TENANT_SETTING = "app.tenant_id"
# A connection option set while creating tables in a tenant's own schema or database, where
# row-level security has nothing to separate.
PLACEMENT_OPTION = "tenant_plane_placement"
FTS_TABLE = "document_passages_fts"
# FTS5 keeps its index in shadow tables: they are not models, autogenerate must leave them be.
FTS_OBJECTS = frozenset({FTS_TABLE} | {f"{FTS_TABLE}_{suffix}" for suffix in
                                        ("data", "idx", "content", "docsize", "config")})

_TENANT_MATCH = f"tenant_id = NULLIF(current_setting('{TENANT_SETTING}', true), '')"


def role_statements() -> list[str]:
    return [
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
              END IF;
            END $$""",
        # The connecting role must be allowed to SET ROLE to it (a superuser always is).
        f"""DO $$ BEGIN
              IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
                EXECUTE 'GRANT {APP_ROLE} TO ' || quote_ident(current_user);
              END IF;
            END $$""",
    ]


def row_security_statements(table: str) -> list[str]:
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"CREATE POLICY tenant_isolation ON {table} USING ({_TENANT_MATCH}) WITH CHECK ({_TENANT_MATCH})",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}",
    ]


def search_index_statements() -> list[str]:
    """Let row-level security use the GIN index of passages.

    Under RLS PostgreSQL evaluates a query's own conditions before the policy's only when their
    functions are LEAKPROOF, and only such conditions may become index conditions; `@@`
    (`ts_match_vq`) is not marked so out of the box, so every search read all of the tenant's passages
    (113 ms instead of 8 ms at 20,000 passages). It is leakproof in fact: a boolean of its two
    arguments, no side effects, no error that depends on a row's content. Marking a function needs a
    superuser; without one this leaves a notice and searches stay correct but slower (docs/isolation.md).
    """
    return [
        """DO $$ BEGIN
              IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
                ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
              ELSE
                RAISE NOTICE 'not a superuser: ts_match_vq stays non-leakproof, row-isolated search scans';
              END IF;
            END $$""",
    ]


FTS_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS document_passages_fts USING fts5(title, content, tenant_id UNINDEXED, "
    "passage_id UNINDEXED, tokenize='porter unicode61')",
    """CREATE TRIGGER IF NOT EXISTS document_passages_fts_insert AFTER INSERT ON document_passages BEGIN
          INSERT INTO document_passages_fts(title, content, tenant_id, passage_id)
          VALUES (new.title, new.content, new.tenant_id, new.id);
        END""",
    """CREATE TRIGGER IF NOT EXISTS document_passages_fts_delete AFTER DELETE ON document_passages BEGIN
          DELETE FROM document_passages_fts WHERE tenant_id = old.tenant_id AND passage_id = old.id;
        END""",
    """CREATE TRIGGER IF NOT EXISTS document_passages_fts_update AFTER UPDATE ON document_passages BEGIN
          DELETE FROM document_passages_fts WHERE tenant_id = old.tenant_id AND passage_id = old.id;
          INSERT INTO document_passages_fts(title, content, tenant_id, passage_id)
          VALUES (new.title, new.content, new.tenant_id, new.id);
        END""",
]
FTS_DROP = [
    "DROP TRIGGER IF EXISTS document_passages_fts_update",
    "DROP TRIGGER IF EXISTS document_passages_fts_delete",
    "DROP TRIGGER IF EXISTS document_passages_fts_insert",
    "DROP TABLE IF EXISTS document_passages_fts",
]


def _row_placement(connection) -> bool:
    return connection.dialect.name == "postgresql" and not connection.get_execution_options().get(PLACEMENT_OPTION)


def _row_security_after_create(target: Table, connection, **_kw) -> None:
    if _row_placement(connection):
        for statement in [*role_statements(), *row_security_statements(target.name), *search_index_statements()]:
            connection.exec_driver_sql(statement)


def fts_after_create(target: Table, connection, **_kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in FTS_CREATE:
            connection.exec_driver_sql(statement)


def fts_before_drop(target: Table, connection, **_kw) -> None:
    if connection.dialect.name == "sqlite":
        for statement in FTS_DROP:
            connection.exec_driver_sql(statement)


def attach(*tables: Table) -> None:
    from sqlalchemy import event

    for table in tables:
        event.listen(table, "after_create", _row_security_after_create)


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: FTS5's virtual and shadow tables and the trigram indexes (app/models/trigram.py)
    are not models (used by env.py and tests)."""
    from app.models.trigram import INDEX_NAMES

    if reflected and compare_to is None:
        if type_ == "table" and name in FTS_OBJECTS:
            return False
        if type_ == "index" and name in INDEX_NAMES:
            return False
    return True
