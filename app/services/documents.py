"""A tenant's knowledge base: store, list, read and delete documents (tenant plane).

Bytes count against the storage quota. The quota is checked, with the tenant row locked, before
anything is written; a refused upload leaves no file and no row. The document, its passages, the
tenant's `storage_used_bytes` and the audit event commit together (row and schema strategies:
one transaction; database strategy: the tenant database commits first and is compensated if the
control plane then fails).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, select

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
DOCUMENT_ID_RE = re.compile(r"^doc_[0-9a-f]{16}$")
PASSAGE_CHARS = 800
MAX_TAGS = 20
TITLE_MAX_LENGTH = 200
TAG_RE = re.compile(r"[A-Za-z0-9_ .+#/-]{1,40}")
TAG_PART_RE = re.compile(r"[A-Za-z0-9_ .+#/-]{0,40}")


class DocumentTooLarge(DomainError):
    code = "document_too_large"
    http_status = 413


def _not_found() -> NotFound:
    return NotFound("Document not found.", code="document_not_found")


def validate_title(title: str | None) -> str:
    """1 to 200 characters, not blank, storable (the length counts what was sent, spaces included)."""
    value = title if isinstance(title, str) else ""
    if len(value) > TITLE_MAX_LENGTH:
        raise ValidationError(f"Title must be at most {TITLE_MAX_LENGTH} characters.", field="title")
    if not _storable(value):
        raise ValidationError("Title contains characters that cannot be stored.", field="title")
    value = value.strip()
    if not value:
        raise ValidationError("Title is required.", field="title")
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
            raise ValidationError(f"Give at most {MAX_TAGS} comma-separated tags of up to 40 letters, digits, "
                                  "spaces or _ . + # / -.", field="tags")
    elif (not isinstance(tags, list) or len(tags) > MAX_TAGS
          or not all(isinstance(t, str) and TAG_RE.fullmatch(t) for t in tags)):
        raise ValidationError(f"Tags must be a list of at most {MAX_TAGS} strings of 1 to 40 letters, digits, "
                              "spaces or _ . + # / -.", field="tags")
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
        raise ValidationError("The file must be UTF-8 text or Markdown.", field=field) from None
    if "\x00" in text:
        raise ValidationError("The file must be UTF-8 text or Markdown.", field=field)
    return text


def split_passages(text: str, size: int = PASSAGE_CHARS) -> list[str]:
    """Paragraphs gathered into passages of about `size` characters; long paragraphs are cut at words."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    passages: list[str] = []
    current = ""
    for paragraph in paragraphs:
        while len(paragraph) > size:
            cut = paragraph.rfind(" ", 0, size)
            cut = cut if cut > size // 2 else size
            if current:
                passages.append(current)
                current = ""
            passages.append(paragraph[:cut].strip())
            paragraph = paragraph[cut:].strip()
        if current and len(current) + len(paragraph) + 2 > size:
            passages.append(current)
            current = ""
        current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        passages.append(current)
    return passages


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
    """What a caller hands over: pasted `content`, or a file's `data` and `filename`."""

    title: str | None = None
    content: str | None = None
    data: bytes | None = None
    filename: str | None = None
    tags: list[str] | str | None = None


def _prepare(upload: Upload) -> tuple[str, str, bytes, str | None, str, list[str]]:
    filename = storage.display_filename(upload.filename)
    if upload.data is not None:
        # Any name will do; the bytes must be UTF-8 text. The extension only tells Markdown apart.
        extension = ("." + filename.rsplit(".", 1)[-1].lower()) if filename and "." in filename else ""
        content_type = ALLOWED_EXTENSIONS.get(extension, "text/plain")
        raw = upload.data
        text = decode_text(raw)
        title = upload.title if (upload.title or "").strip() else (
            (filename or "").rsplit(".", 1)[0][:200].strip() or "Untitled document")
    else:
        text = upload.content if isinstance(upload.content, str) else ""
        if not text.strip():
            raise ValidationError("Paste some text or choose a file.", field="content")
        if not _storable(text):
            raise ValidationError("The text contains characters that cannot be stored.", field="content")
        raw = text.encode("utf-8")
        content_type = "text/markdown" if filename and filename.endswith(".md") else "text/plain"
        title = upload.title
    if not text.strip():
        raise ValidationError("The document is empty.", field="file" if upload.data is not None else "content")
    limit = int(current_app.config.get("DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)
    if len(raw) > limit:
        raise DocumentTooLarge(f"A document may be at most {limit // 1024} KiB.",
                               field="file" if upload.data is not None else "content",
                               details={"limit": limit, "size": len(raw)})
    return validate_title(title), text, raw, filename, content_type, validate_tags(upload.tags)


def create_document(tenant: Tenant, actor: Actor, upload: Upload) -> Document:
    """Store a document: quota first, then the file, the rows, the counter and the audit event."""
    title, text, raw, filename, content_type, tags = _prepare(upload)
    size = len(raw)
    tenant_id, doc_id = tenant.id, new_document_id()
    written = False
    committed_in_tenant_database = False
    try:
        with unit_of_work() as session:
            lock_tenant(session, tenant_id)
            session.refresh(tenant)
            quotas.ensure_storage_available(tenant, size)
            storage.write(tenant_id, AREA, doc_id, raw)
            written = True
            tenant.storage_used_bytes = (tenant.storage_used_bytes or 0) + size
            record("document.created", actor, tenant_id=tenant_id, target_type="document", target_id=doc_id,
                   details={"title": title, "size_bytes": size, "filename": filename})
            with tenant_plane(tenant) as ws:
                document = Document(id=doc_id, title=title, tags=tags, filename=filename,
                                    content_type=content_type, size_bytes=size, storage_key=doc_id,
                                    uploader_id=actor.user_id, uploader_key_id=actor.api_key_id,
                                    uploader_label=actor.label)
                ws.add(document)
                ws.flush()
                for position, passage in enumerate(split_passages(text)):
                    ws.add(DocumentPassage(document_id=doc_id, position=position, title=title, content=passage,
                                           search_vector=_search_vector(ws, title, passage)))
            committed_in_tenant_database = tenant.isolation_strategy == "database"
    except BaseException:
        if committed_in_tenant_database:
            with tenant_plane(tenant) as ws:
                ws.execute(delete(Document).where(Document.id == doc_id))
        if written:
            storage.delete(tenant_id, AREA, doc_id)
        raise
    search.forget_results(tenant_id)
    return document


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
        raise PermissionDenied("Only admins may delete documents uploaded by someone else.")
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
