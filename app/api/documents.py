"""JSON API: the tenant's knowledge base. The tenant comes from the usual sources (X-Tenant-ID,
subdomain, `tenant_id` query, JWT claim, or the key's own tenant)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from app.api import bp
from app.api.openapi import NOT_BLANK, json_request, json_response, list_schema, nullable, ref, tenant_responses, text
from app.api.params import iso, page_body, paging_args
from app.api.payload import BadRequest, json_body, string_field
from app.services import documents
from app.services.errors import ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.workspace.models import Document


def document_json(document: Document, content: str | None = None) -> dict[str, Any]:
    body = {
        "id": document.id,
        "title": document.title,
        "tags": list(document.tags or []),
        "filename": document.filename,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "uploader": {"user_id": document.uploader_id, "label": document.uploader_label},
        "created_at": iso(document.created_at),
    }
    if content is not None:
        body["content"] = content
    return body


@bp.tenant("/documents", "documents.read", prefixed=False)
def list_documents():
    page, per_page = paging_args()
    return jsonify(page_body(documents.list_documents(current_tenant, page, per_page), document_json))


def _upload_from_request() -> documents.Upload:
    if request.mimetype == "multipart/form-data":
        unknown = sorted(set(request.form) - {"title", "tags", "file"} | set(request.files) - {"file"})
        if unknown:
            raise BadRequest(f"Unknown field {unknown[0]!r}.", field=unknown[0], code="unknown_field",
                             details={"unknown": unknown})
        upload = request.files.get("file")
        if upload is not None:
            data, filename = upload.read(), upload.filename or None
        elif "file" in request.form:  # a text part sent without a file name
            data, filename = request.form["file"].encode("utf-8"), None
        else:
            raise ValidationError("file is required.", field="file")
        return documents.Upload(title=request.form.get("title"), data=data, filename=filename,
                                tags=request.form.get("tags"))
    data = json_body(allowed={"title", "content", "tags"}, required={"title", "content"})
    tags = data.get("tags")
    if tags is not None and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise ValidationError("tags must be a list of strings.", field="tags")
    return documents.Upload(title=string_field(data, "title", max_length=200),
                            content=string_field(data, "content", max_length=documents.DEFAULT_MAX_BYTES),
                            tags=tags)


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
_TAGS = {"type": "array", "maxItems": documents.MAX_TAGS,
         "items": {"type": "string", "pattern": "^[A-Za-z0-9_ .+#/-]{1,40}$"}}
_TAG_LIST = f"^[A-Za-z0-9_ .+#/-]{{0,40}}(,[A-Za-z0-9_ .+#/-]{{0,40}}){{0,{documents.MAX_TAGS - 1}}}$"

OPENAPI_COMPONENTS = {
    "Document": {
        "type": "object",
        "required": ["id", "title", "tags", "filename", "content_type", "size_bytes", "uploader", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "filename": nullable({"type": "string"}),
            "content_type": {"type": "string", "enum": ["text/plain", "text/markdown"]},
            "size_bytes": {"type": "integer", "minimum": 1},
            "uploader": {"type": "object", "required": ["user_id", "label"],
                         "properties": {"user_id": nullable({"type": "integer"}), "label": {"type": "string"}}},
            "created_at": {"type": "string", "format": "date-time"},
            "content": {"type": "string", "description": "Only when one document is read."},
        },
    },
    "DocumentCreate": {
        "type": "object", "required": ["title", "content"], "additionalProperties": False,
        "properties": {"title": text(200, blank=False),
                       "content": text(blank=False),
                       "tags": nullable(_TAGS)},
    },
    "DocumentUpload": {
        "type": "object", "required": ["file"], "additionalProperties": False,
        "properties": {"file": {"type": "string", "pattern": NOT_BLANK, "minLength": 1,
                                "contentMediaType": "text/plain",
                                "description": "UTF-8 text; a name ending .md or .markdown marks it Markdown."},
                       "title": text(200, description="Defaults to the file's name."),
                       "tags": {"type": "string", "pattern": _TAG_LIST,
                                "description": "Comma-separated, at most 20 tags of up to 40 characters."}},
    },
}

_WRITE_ERRORS = {"413": {"$ref": "#/components/responses/PayloadTooLarge"},
                 "422": {"$ref": "#/components/responses/Validation"}}

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
