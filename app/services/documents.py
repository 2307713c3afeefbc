"""A tenant's knowledge base: store, list, read and delete documents (tenant plane).

Bytes count against the storage quota. The quota is checked, with the tenant row locked, before
anything is written; a refused upload leaves no file and no row. The document, its passages, the
tenant's `storage_used_bytes` and the audit event commit together (row and schema strategies:
one transaction; database strategy: the tenant database commits first and is compensated if the
control plane then fails).
"""

from __future__ import annotations

import codecs
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext
from sqlalchemy import delete, func, select

from app import crashpoints
from app.extensions import db
from app.models import Tenant
from app.services import quotas, search, storage
from app.services.audit import Actor, record
from app.services.authority import Authority, allows
from app.services.errors import DomainError, NotFound, PermissionDenied, ValidationError
from app.services.pagination import Page, clamp_paging
from app.services.transaction import lock_tenant, unit_of_work
from app.workspace.models import Document, DocumentPassage, new_document_id
from app.workspace.sessions import tenant_plane

AREA = "documents"
DEFAULT_MAX_BYTES = 5 * 2**20
ALLOWED_EXTENSIONS = {".txt": "text/plain", ".md": "text/markdown", ".markdown": "text/markdown"}
PDF_EXTENSION = ".pdf"  # its text is extracted (services.document_text) and stored as the document
DOCUMENT_ID_RE = re.compile(r"^doc_[0-9a-f]{16}$")
PASSAGE_CHARS = 800
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_LONGEST_HELD = 64 * PASSAGE_CHARS  # a paragraph longer than this is read on in pieces
PASSAGE_BATCH = 200  # passages written (and let go) at a time while a stream is read
MAX_TAGS = 20
TITLE_MAX_LENGTH = 200
TAG_RE = re.compile(r"[A-Za-z0-9_ .+#/-]{1,40}")
TAG_PART_RE = re.compile(r"[A-Za-z0-9_ .+#/-]{0,40}")


class DocumentTooLarge(DomainError):
    code = "document_too_large"
    http_status = 413


def _not_found() -> NotFound:
    return NotFound(gettext("Document not found."), code="document_not_found")


def validate_title(title: str | None) -> str:
    """1 to 200 characters, not blank, storable (the length counts what was sent, spaces included)."""
    value = title if isinstance(title, str) else ""
    if len(value) > TITLE_MAX_LENGTH:
        raise ValidationError(gettext("Title must be at most %(title_max_length)s characters.", title_max_length=TITLE_MAX_LENGTH), field="title")
    if not _storable(value):
        raise ValidationError(gettext("Title contains characters that cannot be stored."), field="title")
    value = value.strip()
    if not value:
        raise ValidationError(gettext("Title is required."), field="title")
    return value


def _storable(value: str) -> bool:
    """No NUL (PostgreSQL refuses it) and no lone surrogates (no encoding can hold them)."""
    return "\x00" not in value and not any("\ud800" <= ch <= "\udfff" for ch in value)


def validate_tags(tags) -> list[str]:
    """Tags from a list, or from one comma-separated string (a form field): at most 20, each up to
    40 of letters, digits, spaces and `_ . + # / -`; trimmed, lowercased, duplicates dropped."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
        if len(tags) > MAX_TAGS or not all(TAG_PART_RE.fullmatch(t) for t in tags):
            raise ValidationError(gettext("Give at most %(max_tags)s comma-separated tags of up to 40 letters, digits, spaces or _ . + # / -.", max_tags=MAX_TAGS), field="tags")
    elif (not isinstance(tags, list) or len(tags) > MAX_TAGS
          or not all(isinstance(t, str) and TAG_RE.fullmatch(t) for t in tags)):
        raise ValidationError(gettext("Tags must be a list of at most %(max_tags)s strings of 1 to 40 letters, digits, spaces or _ . + # / -.", max_tags=MAX_TAGS), field="tags")
    clean: list[str] = []
    for tag in tags:
        value = tag.strip().lower()
        if value and value not in clean:
            clean.append(value)
    return clean


def decode_text(data: bytes, field: str = "file") -> str:
    """UTF-8 text (a BOM is dropped); anything binary is refused."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(gettext("The file must be UTF-8 text or Markdown."), field=field) from None
    if "\x00" in text:
        raise ValidationError(gettext("The file must be UTF-8 text or Markdown."), field=field)
    return text


def split_passages(text: str, size: int = PASSAGE_CHARS) -> list[str]:
    """Paragraphs gathered into passages of about `size` characters; long paragraphs are cut at words."""
    return list(_passages(_paragraphs_of(text), size))


def _paragraphs_of(text: str) -> Iterator[str]:
    return (p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip())


def _passages(paragraphs: Iterable[str], size: int = PASSAGE_CHARS) -> Iterator[str]:
    current = ""
    for paragraph in paragraphs:
        while len(paragraph) > size:
            cut = paragraph.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            if current:
                yield current
                current = ""
            yield paragraph[:cut].strip()
            paragraph = paragraph[cut:].strip()
        if current and len(current) + len(paragraph) + 2 > size:
            yield current
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        yield current


def stream_paragraphs(stream: BinaryIO, field: str = "file", chunk_size: int = storage.CHUNK) -> Iterator[str]:
    """The paragraphs of a UTF-8 stream, read `chunk_size` bytes at a time (never whole).

    Refuses, as `decode_text` does, bytes that are not UTF-8 text (a BOM is dropped). Only the
    paragraph being read is held; one longer than `_LONGEST_HELD` characters is handed on in
    pieces cut at a space.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    held = ""
    while True:
        chunk = stream.read(chunk_size)
        try:
            held += decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError:
            raise ValidationError(gettext("The file must be UTF-8 text or Markdown."), field=field) from None
        if "\x00" in held:
            raise ValidationError(gettext("The file must be UTF-8 text or Markdown."), field=field)
        if not chunk:
            yield from _paragraphs_of(held)
            return
        parts = _PARAGRAPH_BREAK.split(held)
        held = parts.pop()  # may go on in the next chunk
        yield from (p.strip() for p in parts if p.strip())
        while len(held) > _LONGEST_HELD:
            cut = held.rfind(" ", 0, _LONGEST_HELD)
            cut = cut if cut > 0 else _LONGEST_HELD
            piece, held = held[:cut], held[cut:]
            if piece.strip():
                yield piece.strip()


def _search_vector(session, title: str, content: str):
    """PostgreSQL: the weighted tsvector of a passage (title A, text B); elsewhere nothing."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    from sqlalchemy import literal_column

    config = literal_column("'english'::regconfig")
    return (func.setweight(func.to_tsvector(config, title), literal_column("'A'"))
            .op("||")(func.setweight(func.to_tsvector(config, content), literal_column("'B'"))))


@dataclass
class Upload:
    """What a caller hands over: pasted `content`, a file's `data` or `stream`, and its `filename`.

    A `stream` (a request's uploaded file: a seekable spooled file) is never read whole: its size
    is known without reading it, and it is checked, stored and split while it is read in chunks.
    """

    title: str | None = None
    content: str | None = None
    data: bytes | None = None
    filename: str | None = None
    tags: list[str] | str | None = None
    stream: BinaryIO | None = None


@dataclass
class _Prepared:
    title: str
    filename: str | None
    content_type: str
    tags: list[str]
    size: int
    text: str | None = None        # pasted text or small bytes, whole
    raw: bytes | None = None
    stream: BinaryIO | None = None  # or a file, read in chunks


def _max_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def _too_large(size: int, field: str) -> DocumentTooLarge:
    limit = _max_bytes()
    return DocumentTooLarge(gettext("A document may be at most %(size)s KiB.", size=limit // 1024), field=field,
                            details={"limit": limit, "size": size})


def stream_size(stream: BinaryIO) -> int:
    """The bytes left in a seekable stream, found without reading them; the stream is left at its start."""
    start = stream.tell()
    size = stream.seek(0, os.SEEK_END) - start
    stream.seek(start)
    return size


def _prepare(upload: Upload) -> _Prepared:
    filename = storage.display_filename(upload.filename)
    is_file = upload.data is not None or upload.stream is not None
    if is_file:
        # Any name will do; the bytes must be UTF-8 text. The extension only tells Markdown apart.
        extension = ("." + filename.rsplit(".", 1)[-1].lower()) if filename and "." in filename else ""
        content_type = ALLOWED_EXTENSIONS.get(extension, "text/plain")
        title = upload.title if (upload.title or "").strip() else (
            (filename or "").rsplit(".", 1)[0][:200].strip() or "Untitled document")
    else:
        content_type = "text/markdown" if filename and filename.endswith(".md") else "text/plain"
        title = upload.title
    title, tags = validate_title(title), validate_tags(upload.tags)
    if is_file and filename and filename.lower().endswith(PDF_EXTENSION):
        return _prepare_pdf(upload, title, filename, tags)
    if upload.stream is not None:
        size = stream_size(upload.stream)
        if size > _max_bytes():
            raise _too_large(size, "file")  # refused unread
        if size == 0:
            raise ValidationError(gettext("The document is empty."), field="file")
        return _Prepared(title, filename, content_type, tags, size, stream=upload.stream)
    if upload.data is not None:
        raw = upload.data
        if len(raw) > _max_bytes():
            raise _too_large(len(raw), "file")
        text = decode_text(raw)
    else:
        text = upload.content if isinstance(upload.content, str) else ""
        if not text.strip():
            raise ValidationError(gettext("Paste some text or choose a file."), field="content")
        if not _storable(text):
            raise ValidationError(gettext("The text contains characters that cannot be stored."), field="content")
        raw = text.encode("utf-8")
        if len(raw) > _max_bytes():
            raise _too_large(len(raw), "content")
    if not text.strip():
        raise ValidationError(gettext("The document is empty."), field="file" if is_file else "content")
    return _Prepared(title, filename, content_type, tags, len(raw), text=text, raw=raw)


def _prepare_pdf(upload: Upload, title: str, filename: str, tags: list[str]) -> _Prepared:
    """A PDF is read whole (it is at most the document limit) and kept as the text of its pages."""
    from app.services.document_text import pdf_text

    if upload.stream is not None:
        size = stream_size(upload.stream)
        if size > _max_bytes():
            raise _too_large(size, "file")
        raw = upload.stream.read()
    else:
        raw = upload.data or b""
        if len(raw) > _max_bytes():
            raise _too_large(len(raw), "file")
    if not raw:
        raise ValidationError(gettext("The document is empty."), field="file")
    text = pdf_text(raw)
    if not _storable(text):
        text = "".join(ch for ch in text if _storable(ch))
    data = text.encode("utf-8")
    return _Prepared(title, filename, "text/plain", tags, len(data), text=text, raw=data)


def _write_passages(ws, doc_id: str, title: str, prepared: _Prepared) -> None:
    """The document's passages, from its text or read from its stream in chunks; a stream's
    passages are flushed and let go `PASSAGE_BATCH` at a time, so memory does not grow with the file."""
    if prepared.text is not None:
        passages: Iterable[str] = split_passages(prepared.text)
    else:
        prepared.stream.seek(0)
        passages = _passages(stream_paragraphs(prepared.stream))
    batch: list[DocumentPassage] = []
    count = 0
    for position, passage in enumerate(passages):
        row = DocumentPassage(document_id=doc_id, position=position, title=title, content=passage,
                              search_vector=_search_vector(ws, title, passage))
        ws.add(row)
        batch.append(row)
        count += 1
        if len(batch) >= PASSAGE_BATCH:
            ws.flush()
            for written in batch:
                ws.expunge(written)
            batch.clear()
    if count == 0:
        raise ValidationError(gettext("The document is empty."), field="file")


def create_document(tenant: Tenant, actor: Actor, upload: Upload) -> Document:
    """Store a document: quota first, then the file, the rows, the counter and the audit event."""
    prepared = _prepare(upload)
    title, size = prepared.title, prepared.size
    tenant_id, doc_id = tenant.id, new_document_id()
    written = False
    committed_in_tenant_database = False
    try:
        with unit_of_work() as session:
            lock_tenant(session, tenant_id)
            session.refresh(tenant)
            quotas.ensure_storage_available(tenant, size)
            if prepared.stream is not None:
                prepared.stream.seek(0)
            storage.write(tenant_id, AREA, doc_id, prepared.stream if prepared.stream is not None else prepared.raw)
            written = True
            tenant.storage_used_bytes = (tenant.storage_used_bytes or 0) + size
            record("document.created", actor, tenant_id=tenant_id, target_type="document", target_id=doc_id,
                   details={"title": title, "size_bytes": size, "filename": prepared.filename})
            with tenant_plane(tenant) as ws:
                document = Document(id=doc_id, title=title, tags=prepared.tags, filename=prepared.filename,
                                    content_type=prepared.content_type, size_bytes=size, storage_key=doc_id,
                                    uploader_id=actor.user_id, uploader_key_id=actor.api_key_id,
                                    uploader_label=actor.label)
                ws.add(document)
                ws.flush()
                _write_passages(ws, doc_id, title, prepared)
            committed_in_tenant_database = tenant.isolation_strategy == "database"
            # A database tenant's row is committed in its own database before the control plane's
            # audit event and counter: a kill here leaves the document without them until
            # `reconcile` (job `documents.reconcile`, `flask tenants reconcile`) writes them.
            crashpoints.reached("document.tenant_plane_committed")
    except BaseException:
        if committed_in_tenant_database:
            with tenant_plane(tenant) as ws:
                ws.execute(delete(Document).where(Document.id == doc_id))
        if written:
            storage.delete(tenant_id, AREA, doc_id)
        raise
    search.forget_results(tenant_id)
    return document


def reconcile(tenant: Tenant) -> int:
    """Make the control plane agree with the tenant plane after a crash between their commits (a
    database tenant's documents live in another database, so one transaction cannot hold both):
    every stored document gets its `document.created` audit event (marked `reconciled`) and the
    storage counter is recomputed from the documents themselves. Idempotent; returns how many
    events it wrote."""
    from app.models import AuditEvent

    with tenant_plane(tenant) as ws:
        stored = {row.id: row for row in ws.execute(
            select(Document.id, Document.title, Document.size_bytes, Document.filename))}
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        audited = set(session.scalars(select(AuditEvent.target_id).where(
            AuditEvent.tenant_id == tenant.id, AuditEvent.action == "document.created",
            AuditEvent.target_type == "document")))
        missing = [doc_id for doc_id in stored if doc_id not in audited]
        for doc_id in missing:
            row = stored[doc_id]
            record("document.created", Actor(label="system"), tenant_id=tenant.id, target_type="document",
                   target_id=doc_id, details={"title": row.title, "size_bytes": row.size_bytes,
                                              "filename": row.filename, "reconciled": True})
        used = sum(row.size_bytes or 0 for row in stored.values())
        fresh = session.get(Tenant, tenant.id)
        if (fresh.storage_used_bytes or 0) != used:
            fresh.storage_used_bytes = used
    return len(missing)


def reconcile_all(strategy: str = "database") -> dict[str, int]:
    """`reconcile` every live tenant of `strategy`; slug -> events written (only those that needed any)."""
    from app import placement

    fixed = {}
    for tenant in db.session.scalars(select(Tenant).where(Tenant.isolation_strategy == strategy,
                                                          Tenant.status != "deleted")):
        if placement.is_ready(tenant):
            count = reconcile(tenant)
            if count:
                fixed[tenant.slug] = count
    return fixed


def list_documents(tenant: Tenant, page: int = 1, per_page: int = 25) -> Page[Document]:
    """The tenant's documents, newest first."""
    page, per_page = clamp_paging(page, per_page)
    with tenant_plane(tenant) as ws:
        total = ws.scalar(select(func.count(Document.id))) or 0
        items = list(ws.scalars(select(Document).order_by(Document.created_at.desc(), Document.id)
                                .limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


def get_document(tenant: Tenant, doc_id: str) -> Document:
    """One of the tenant's documents; another tenant's id is simply not found."""
    if not isinstance(doc_id, str) or not DOCUMENT_ID_RE.match(doc_id):
        raise _not_found()
    with tenant_plane(tenant) as ws:
        document = ws.scalar(select(Document).where(Document.id == doc_id))
    if document is None:
        raise _not_found()
    return document


def read_content(tenant: Tenant, document: Document) -> str:
    """The stored text of a document of `tenant`."""
    if document.tenant_id != tenant.id:
        raise _not_found()
    try:
        return decode_text(storage.read(tenant.id, AREA, document.storage_key))
    except FileNotFoundError:
        return ""


def can_delete(document: Document, authority: Authority) -> bool:
    """Members delete their own documents; admins and up (and platform admins) anyone's."""
    if allows(authority, "documents.delete_any", document.tenant_id):
        return True
    if not allows(authority, "documents.write", document.tenant_id):
        return False
    if authority.user_id is not None:
        return document.uploader_id == authority.user_id
    return authority.api_key_id is not None and document.uploader_key_id == authority.api_key_id


def delete_document(tenant: Tenant, doc_id: str, authority: Authority) -> None:
    """Delete a document and its file, and give its bytes back to the quota."""
    document = get_document(tenant, doc_id)
    if not can_delete(document, authority):
        raise PermissionDenied(gettext("Only admins may delete documents uploaded by someone else."))
    tenant_id = tenant.id
    with unit_of_work() as session:
        lock_tenant(session, tenant_id)
        session.refresh(tenant)
        with tenant_plane(tenant) as ws:
            removed = ws.execute(delete(DocumentPassage).where(DocumentPassage.document_id == doc_id))
            removed = ws.execute(delete(Document).where(Document.id == doc_id)).rowcount
        if removed:
            tenant.storage_used_bytes = max(0, (tenant.storage_used_bytes or 0) - document.size_bytes)
            record("document.deleted", authority, tenant_id=tenant_id, target_type="document", target_id=doc_id,
                   details={"title": document.title, "size_bytes": document.size_bytes})
    search.forget_results(tenant_id)
    storage.delete(tenant_id, AREA, document.storage_key)
