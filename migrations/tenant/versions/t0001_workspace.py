"""tenant plane: documents and passages (schema and database strategies)

Revision ID: t0001
Revises:
Create Date: 2026-11-28 07:52:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 't0001'
down_revision = None
branch_labels = None
depends_on = None

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
    sa.PrimaryKeyConstraint('tenant_id', 'id', name='pk_documents')
    )
    op.create_index('ix_documents_tenant_created', 'documents', ['tenant_id', 'created_at'])
    op.create_table('document_passages',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('document_id', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('search_vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'document_id'], ['documents.tenant_id', 'documents.id'], name='fk_document_passages_document', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name='pk_document_passages')
    )
    op.create_index('ix_document_passages_search_vector', 'document_passages', ['search_vector'], postgresql_using='gin')
    op.create_index('ix_document_passages_tenant_document', 'document_passages', ['tenant_id', 'document_id', 'position'])
    if op.get_bind().dialect.name == 'sqlite':
        for statement in FTS_SQL:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('document_passages_fts_update', 'document_passages_fts_delete', 'document_passages_fts_insert'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS document_passages_fts")
    op.drop_table('document_passages')
    op.drop_table('documents')
