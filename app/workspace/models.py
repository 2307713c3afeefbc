"""Tenant-plane tables: documents and their searchable passages.

The same tables serve the three strategies: in the shared database (row isolation, with
PostgreSQL row-level security), in a tenant's own schema, or in a tenant's own database. They keep
`tenant_id` everywhere, as the first column of every key, so a row strategy can be distributed on
it (Citus) and a tenant can move between strategies without reshaping its rows.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKeyConstraint, Index, Integer, String, Text, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.workspace import ddl


def new_document_id() -> str:
    return "doc_" + secrets.token_hex(8)


def new_passage_id() -> str:
    return "psg_" + secrets.token_hex(8)


class TenantScoped:
    """Marker: a model whose rows belong to one tenant. The tenant-plane session filters and
    stamps every such model by its `tenant_id`."""

    tenant_id: Mapped[str]


class Document(TenantScoped, db.Model):
    """A text or Markdown document of a tenant; its bytes live in the tenant's file storage."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_tenant_created", "tenant_id", "created_at"),)

    tenant_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_document_id)
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list] = mapped_column(JSON, default=list)
    filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(64))
    # Users and keys live in the control plane (maybe another database): no foreign keys here.
    uploader_id: Mapped[int | None] = mapped_column(Integer)
    uploader_key_id: Mapped[int | None] = mapped_column(Integer)
    uploader_label: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DocumentPassage(TenantScoped, db.Model):
    """A passage (a few paragraphs) of a document: the unit search finds and ranks.

    On PostgreSQL `search_vector` (title weighted A, text B) carries a GIN index; on SQLite the
    column stays empty and an FTS5 table kept in step by triggers does the work (see `ddl`).
    """

    __tablename__ = "document_passages"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "document_id"], ["documents.tenant_id", "documents.id"],
                             ondelete="CASCADE", name="fk_document_passages_document"),
        Index("ix_document_passages_tenant_document", "tenant_id", "document_id", "position"),
        Index("ix_document_passages_search_vector", "search_vector", postgresql_using="gin"),
    )

    tenant_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_passage_id)
    document_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    search_vector: Mapped[str | None] = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))


WORKSPACE_MODELS = (Document, DocumentPassage)
WORKSPACE_TABLES = [model.__table__ for model in WORKSPACE_MODELS]
WORKSPACE_TABLE_NAMES = frozenset(t.name for t in WORKSPACE_TABLES)

ddl.attach(Document.__table__, DocumentPassage.__table__)
event.listen(DocumentPassage.__table__, "after_create", ddl.fts_after_create)
event.listen(DocumentPassage.__table__, "before_drop", ddl.fts_before_drop)
