"""workspace (row strategy): documents and passages with tenant_id first in every key;
PostgreSQL: row-level security forced on both tables, role portal_app, GIN index; SQLite: FTS5

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 07:51:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# Written out here rather than imported: a migration must not change when the app does.
APP_ROLE = "portal_app"
TENANT_MATCH = "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')"
ROLE_SQL = [
    f"""DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
            CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
          END IF;
        END $$""",
    f"""DO $$ BEGIN
          IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
            EXECUTE 'GRANT {APP_ROLE} TO ' || quote_ident(current_user);
          END IF;
        END $$""",
]
FTS_SQL = [
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


def row_security_sql(table):
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS tenant_isolation ON {table}",
        f"CREATE POLICY tenant_isolation ON {table} USING ({TENANT_MATCH}) WITH CHECK ({TENANT_MATCH})",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}",
    ]


def upgrade():
    op.create_table('documents',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('uploader_id', sa.Integer(), nullable=True),
    sa.Column('uploader_key_id', sa.Integer(), nullable=True),
    sa.Column('uploader_label', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_documents'))
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_tenant_created', ['tenant_id', 'created_at'], unique=False)

    op.create_table('document_passages',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('document_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name='fk_document_passages_document', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_document_passages'))
    )
    with op.batch_alter_table('document_passages', schema=None) as batch_op:
        batch_op.create_index('ix_document_passages_search_vector', ['search_vector'], unique=False, postgresql_using='gin')
        batch_op.create_index('ix_document_passages_tenant_document', ['tenant_id', 'document_id', 'position'], unique=False)

    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in ROLE_SQL + row_security_sql('documents') + row_security_sql('document_passages'):
            op.execute(statement)
    elif bind.dialect.name == 'sqlite':
        for statement in FTS_SQL:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for name in ('document_passages_fts_update', 'document_passages_fts_delete', 'document_passages_fts_insert'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS document_passages_fts")
    with op.batch_alter_table('document_passages', schema=None) as batch_op:
        batch_op.drop_index('ix_document_passages_tenant_document')
        batch_op.drop_index('ix_document_passages_search_vector', postgresql_using='gin')

    op.drop_table('document_passages')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_tenant_created')

    op.drop_table('documents')
    # The role stays: it is shared by every database of the cluster.
