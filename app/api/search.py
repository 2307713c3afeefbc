"""JSON API: full-text search of the tenant's knowledge base (`/rag/search`)."""

from __future__ import annotations

from flask import jsonify, request
from pydantic import Field

from app.api import bp
from app.api.bodies import ResponseBody, schemas
from app.api.documents import TENANT_SOURCES
from app.api.openapi import json_response, ref, tenant_responses, text
from app.services import search
from app.tenancy.context import current_tenant


class SearchPassage(ResponseBody):
    document_id: str
    title: str
    position: int = Field(ge=0, description="The passage's place in its document.")
    snippet: str = Field(description="Matched words between « and ».")
    score: float = Field(ge=0, description="Relevance in [0, 1); an exact-title match adds 1.")


class SearchResults(ResponseBody):
    query: str
    results: list[SearchPassage]


@bp.tenant("/rag/search", "documents.read", prefixed=False)
def rag_search():
    """Ranked passages of the tenant's documents for `query` (at most `limit`, default 10)."""
    query = request.args.get("query")
    passages = search.search(current_tenant, query, request.args.get("limit"))
    found = SearchResults(query=(query or "").strip(), results=[SearchPassage(**{**p.to_dict(), "snippet": p.plain_snippet()})
                                                                               for p in passages])
    return jsonify(found.model_dump(mode="json"))


OPENAPI_COMPONENTS = schemas(SearchResults)

OPENAPI_PATHS = {
    "/api/v1/rag/search": {
        "get": {
            "operationId": "searchDocuments", "tags": ["documents"],
            "summary": "Full-text search: ranked passages with document id, title, snippet and score.",
            "parameters": [
                *TENANT_SOURCES,
                {"name": "query", "in": "query", "required": True,
                 "schema": text(search.MAX_QUERY, blank=False)},
                {"name": "limit", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": search.MAX_LIMIT,
                            "default": search.DEFAULT_LIMIT}},
            ],
            "responses": {
                "200": json_response("The best passages first.", ref("SearchResults")),
                **tenant_responses(tenant_sources=True), "422": {"$ref": "#/components/responses/Validation"},
            },
        },
    },
}
