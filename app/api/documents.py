"""JSON API: the tenant's knowledge base. The tenant comes from the usual sources (X-Tenant-ID,
subdomain, `tenant_id` query, JWT claim, or the key's own tenant)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import jsonify, request
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import NOT_BLANK, Moment, RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import json_request, json_response, list_schema, ref, response_refs, tenant_responses
from app.api.params import page_body, paging_args
from app.api.payload import BadRequest
from app.services import documents
from app.services.errors import ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.workspace.models import Document as DocumentRow

# A form's comma-separated tags, as documents.validate_tags reads them.
_TAG_LIST = (f"^{documents.TAG_PART_RE.pattern}(,{documents.TAG_PART_RE.pattern})"
             f"{{0,{documents.MAX_TAGS - 1}}}$")


class Uploader(ResponseBody):
    user_id: int | None
    label: str


class Document(ResponseBody):
    id: str
    title: str
    tags: list[str]
    filename: str | None
    content_type: Literal["text/plain", "text/markdown"]
    size_bytes: int = Field(ge=1)
    uploader: Uploader
    created_at: Moment
    content: str | None = Field(None, description="Only when one document is read.")

    @classmethod
    def of(cls, document: DocumentRow, content: str | None = None) -> Document:
        return cls(id=document.id, title=document.title, tags=list(document.tags or []), filename=document.filename,
                   content_type=document.content_type, size_bytes=document.size_bytes,
                   uploader=Uploader(user_id=document.uploader_id, label=document.uploader_label),
                   created_at=document.created_at, content=content)


Tag = Annotated[str, Field(pattern=f"^{documents.TAG_RE.pattern}$")]


class DocumentCreate(RequestBody):
    """Pasted text. (A file upload is multipart: `DocumentUpload`.)"""

    title: text(documents.TITLE_MAX_LENGTH, blank=False)
    content: text(documents.DEFAULT_MAX_BYTES, blank=False)
    tags: list[Tag] | None = Field(None, max_length=documents.MAX_TAGS)


class DocumentUpload(RequestBody):
    """A multipart upload: the form's fields, described for the document (multipart is read by hand)."""

    file: str = Field(min_length=1, pattern=NOT_BLANK, json_schema_extra={"contentMediaType": "text/plain"},
                      description="UTF-8 text; a name ending .md or .markdown marks it Markdown. A name ending "
                                  ".pdf: a PDF, whose text is extracted and kept (a PDF without text is a 422).")
    title: text(documents.TITLE_MAX_LENGTH) = Field(None, description="Defaults to the file's name.")
    tags: str = Field(None, pattern=_TAG_LIST, description=f"Comma-separated, at most {documents.MAX_TAGS} tags "
                                                         "of up to 40 characters.")


def document_json(document: DocumentRow, content: str | None = None) -> dict[str, Any]:
    body = Document.of(document, content).model_dump(mode="json")
    if content is None:
        del body["content"]  # only when one document is read
    return body


@bp.tenant("/documents", "documents.read", prefixed=False)
def list_documents():
    page, per_page = paging_args()
    return jsonify(page_body(documents.list_documents(current_tenant, page, per_page), document_json))


def _upload_from_request() -> documents.Upload:
    if request.mimetype == "multipart/form-data":
        unknown = sorted(set(request.form) - {"title", "tags", "file"} | set(request.files) - {"file"})
        if unknown:
            raise BadRequest(gettext("Unknown field %(unknown)s.", unknown=repr(unknown[0])), field=unknown[0], code="unknown_field",
                             details={"unknown": unknown})
        upload = request.files.get("file")
        if upload is not None:  # spooled to a temporary file by the parser; read in chunks, never whole
            return documents.Upload(title=request.form.get("title"), stream=upload.stream,
                                    filename=upload.filename or None, tags=request.form.get("tags"))
        if "file" in request.form:  # a text part sent without a file name
            return documents.Upload(title=request.form.get("title"), data=request.form["file"].encode("utf-8"),
                                    tags=request.form.get("tags"))
        raise ValidationError(gettext("file is required."), field="file")
    body = read_body(DocumentCreate)
    return documents.Upload(title=body.title, content=body.content, tags=body.tags)


@bp.tenant("/documents", "documents.write", methods=["POST"], prefixed=False)
def create_document():
    """JSON {"title", "content", "tags"} or a multipart upload with a `file` (and optional title, tags)."""
    document = documents.create_document(current_tenant, current_authority(), _upload_from_request())
    return jsonify(document_json(document)), 201


@bp.tenant("/documents/<doc_id>", "documents.read", prefixed=False)
def get_document(doc_id: str):
    document = documents.get_document(current_tenant, doc_id)
    return jsonify(document_json(document, documents.read_content(current_tenant, document)))


@bp.tenant("/documents/<doc_id>", "documents.write", methods=["DELETE"], prefixed=False)
def delete_document(doc_id: str):
    documents.delete_document(current_tenant, doc_id, current_authority())
    return "", 204


TENANT_SOURCES = [
    {"name": "X-Tenant-ID", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "The tenant's id or slug (else the subdomain, `tenant_id`, the JWT claim or the key's tenant)."},
    {"name": "tenant_id", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "The tenant's id or slug, as a query parameter."},
]
_DOC_ID = {"name": "doc_id", "in": "path", "required": True, "schema": {"type": "string"},
           "description": "The document's id (`doc_...`)."}

OPENAPI_COMPONENTS = schemas(Document, DocumentCreate, DocumentUpload)

_WRITE_ERRORS = response_refs("413", "422")

OPENAPI_PATHS = {
    "/api/v1/documents": {
        "get": {
            "operationId": "listDocuments", "tags": ["documents"], "summary": "The tenant's documents, newest first.",
            "parameters": [*TENANT_SOURCES, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"}],
            "responses": {"200": json_response("One page of documents.", list_schema(ref("Document"))),
                          **tenant_responses(tenant_sources=True), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "createDocument", "tags": ["documents"],
            "summary": "Store a document (pasted text as JSON, or a file upload). Counts against storage.",
            "parameters": TENANT_SOURCES,
            "requestBody": {"required": True, "content": {
                **json_request(ref("DocumentCreate"))["content"],
                "multipart/form-data": {"schema": ref("DocumentUpload")},
            }},
            "responses": {"201": json_response("The document.", ref("Document")), **tenant_responses(tenant_sources=True),
                          **_WRITE_ERRORS},
        },
    },
    "/api/v1/documents/{doc_id}": {
        "get": {
            "operationId": "getDocument", "tags": ["documents"], "summary": "A document with its text.",
            "parameters": [*TENANT_SOURCES, _DOC_ID],
            "responses": {"200": json_response("The document and its content.", ref("Document")),
                          **tenant_responses(tenant_sources=True)},
        },
        "delete": {
            "operationId": "deleteDocument", "tags": ["documents"],
            "summary": "Delete a document (your own; admins delete anyone's) and free its storage.",
            "parameters": [*TENANT_SOURCES, _DOC_ID],
            "responses": {"204": {"description": "Deleted."}, **tenant_responses(tenant_sources=True)},
        },
    },
}
