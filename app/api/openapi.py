"""The OpenAPI 3.1 document of /api/v1, assembled from the feature modules that serve the routes.

Convention (every module in `app/api/` may use it; the document is built by merging them):

- `OPENAPI_PATHS: dict` - path items keyed by the FULL path as a client sends it, with OpenAPI
  templating for view args, e.g. `"/api/v1/tenants/{tenant_ref}/documents": {"get": {...}}`.
  Two modules may describe different methods of the same path; describing the same method twice
  is an error at build time.
- `OPENAPI_COMPONENTS: dict` - schemas keyed by name, merged into `components.schemas`
  (reference them as `{"$ref": "#/components/schemas/Name"}`). A name defined twice is an error.
  A value may be a callable returning the schema, for what depends on the running app (it is
  called in an app context when the document is built).

Shared pieces every module may reference (defined below, in this module):
`#/components/schemas/Error`, `#/components/schemas/PageMeta`,
`#/components/parameters/TenantRef` (`tenant_ref`, id or slug), `.../Page`, `.../PerPage`,
`#/components/responses/{BadRequest,Unauthorized,Forbidden,NotFound,Conflict,Validation,
PaymentRequired,QuotaExceeded,PayloadTooLarge}` and the security scheme `bearer` (API key or JWT).
`tenant_responses()` gives the error responses every tenant-scoped route can answer with.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
from typing import Any

from flask import jsonify

from app.api import bp


def _error_response(description: str, headers: dict | None = None) -> dict:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


# The API refuses NUL characters anywhere in parameters and JSON bodies (no column can store them).
NO_NUL = "^[^\\u0000]*$"
NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def text(max_length: int | None = None, *, blank: bool = True, **extra: Any) -> dict[str, Any]:
    """A string schema as the API checks it: no NUL characters; not blank unless `blank`."""
    schema: dict[str, Any] = {"type": "string", "pattern": NO_NUL if blank else NOT_BLANK}
    if not blank:
        schema["minLength"] = 1
    if max_length is not None:
        schema["maxLength"] = max_length
    return {**schema, **extra}


QUOTA_HEADERS = {
    "X-Quota-Limit": {"description": "Monthly API-call limit (absent when unlimited).",
                      "schema": {"type": "integer"}},
    "X-Quota-Remaining": {"description": "Calls left this month (absent when unlimited).",
                          "schema": {"type": "integer"}},
}

BASE_COMPONENTS: dict[str, Any] = {
    "securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "An API key (`sk_...`) or an access token from POST /api/v1/auth/token."},
    },
    "schemas": {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "object"},
                    "request_id": {"type": ["string", "null"]},
                },
            }},
        },
        "PageMeta": {
            "type": "object",
            "required": ["page", "per_page", "total", "pages"],
            "properties": {"page": {"type": "integer", "minimum": 1},
                           "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
                           "total": {"type": "integer", "minimum": 0},
                           "pages": {"type": "integer", "minimum": 1}},
        },
    },
    "parameters": {
        "TenantRef": {"name": "tenant_ref", "in": "path", "required": True,
                      "description": "The tenant's id or slug.", "schema": {"type": "string", "pattern": NO_NUL}},
        "Page": {"name": "page", "in": "query", "required": False,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}},
        "PerPage": {"name": "per_page", "in": "query", "required": False,
                    "description": "Items per page; more than 100 is served as 100.",
                    "schema": {"type": "integer", "minimum": 1, "default": 25}},
    },
    "responses": {
        "BadRequest": _error_response("Malformed JSON, an unknown field, or conflicting tenant sources."),
        "TenantConflict": {**_error_response(
            "`tenant_conflict`: two of the tenant's sources (path, subdomain, X-Tenant-ID header, access "
            "token, tenant_id query) name different tenants; details.sources names them. Also malformed "
            "JSON (`malformed_json`) or an unknown field (`unknown_field`)."),
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"error": {"code": "tenant_conflict", "message": "The header names tenant 'acme' but "
                                      "the query names 'globex'.", "details": {"sources": {
                                          "header": "acme", "query": "globex"}}}}}}},
        "Unauthorized": _error_response("No, or an invalid, API key or access token."),
        "Forbidden": _error_response("The caller's role does not allow this, or the tenant is suspended."),
        "NotFound": _error_response("No such resource, or one the caller may not see."),
        "Conflict": _error_response("The change conflicts with existing data."),
        "Validation": _error_response("A field is missing or invalid; details.fields names it."),
        "PaymentRequired": _error_response("The tenant's subscription has expired."),
        "QuotaExceeded": _error_response(
            "`api_quota_exceeded`: the tenant's monthly API-call quota is used up (tenant-scoped calls).",
            {"Retry-After": {"description": "Seconds until the next quota period.", "schema": {"type": "integer"}},
             **QUOTA_HEADERS}),
        "PayloadTooLarge": _error_response("The request body or upload is too large."),
        "RateLimited": _error_response(
            "`rate_limited`: too many attempts from this client (POST /auth/token and POST /me/password, "
            "each on its own: API_TOKEN_RATE_LIMIT, default 10 per minute per IP address).",
            {"Retry-After": {"description": "Seconds until an attempt is allowed again.",
                             "schema": {"type": "integer"}},
             "X-RateLimit-Limit": {"description": "Attempts allowed per window.", "schema": {"type": "integer"}},
             "X-RateLimit-Remaining": {"description": "Attempts left in this window.", "schema": {"type": "integer"}},
             "X-RateLimit-Reset": {"description": "When the window resets (Unix time).", "schema": {"type": "number"}}}),
        "InvitationInvalid": _error_response(
            "The invitation cannot be used; `code` says why: invitation_not_found, invitation_expired, "
            "invitation_revoked, invitation_used, invitation_tenant_unavailable, invitation_email_mismatch, "
            "invitation_sign_in_required."),
    },
}


# How a caller names the tenant on the `/tenants/current...` operations (beside the token's claim and a
# tenant key's own tenant); declared once so every such operation documents the same two sources.
TENANT_SOURCE_PARAMETERS: list[dict[str, Any]] = [
    {"name": "X-Tenant-ID", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 100}},
    {"name": "tenant_id", "in": "query", "required": False, "schema": {"type": "string", "maxLength": 100}},
]


def tenant_responses(*, metered: bool = True, tenant_sources: bool = False) -> dict[str, Any]:
    """Error responses any tenant-scoped route may answer with (merge into an operation's responses).

    `tenant_sources`: the operation takes the tenant from the header and the query too, so its 400
    is (also) `tenant_conflict`.
    """
    responses = {
        "400": {"$ref": "#/components/responses/TenantConflict" if tenant_sources
                else "#/components/responses/BadRequest"},
        "401": {"$ref": "#/components/responses/Unauthorized"},
        "402": {"$ref": "#/components/responses/PaymentRequired"},
        "403": {"$ref": "#/components/responses/Forbidden"},
        "404": {"$ref": "#/components/responses/NotFound"},
    }
    if metered:
        responses["429"] = {"$ref": "#/components/responses/QuotaExceeded"}
    return responses


_ERROR_RESPONSES = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
                    "409": "Conflict", "413": "PayloadTooLarge", "422": "Validation"}


def response_refs(*codes: str) -> dict[str, Any]:
    """References to the shared error responses `codes` (e.g. a write's "409", "413", "422")."""
    return {code: {"$ref": f"#/components/responses/{_ERROR_RESPONSES[code]}"} for code in codes}


def error_refs(*codes: str) -> dict[str, Any]:
    """References to the shared error responses: 400, 401, 403 and 404, and the further `codes` given."""
    return response_refs("400", "401", "403", "404", *codes)


# The path parameter naming the tenant (its id or slug) on every /tenants/{tenant_ref}/... operation.
TENANT_REF = {"$ref": "#/components/parameters/TenantRef"}


def ref(name: str) -> dict[str, str]:
    """A reference to a schema in components.schemas."""
    return {"$ref": f"#/components/schemas/{name}"}


def json_response(description: str, schema: dict, *, metered: bool = True) -> dict[str, Any]:
    response: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if metered:
        response["headers"] = copy.deepcopy(QUOTA_HEADERS)
    return response


def list_schema(item: dict) -> dict[str, Any]:
    """The shape every paginated list answers with."""
    return {"type": "object", "required": ["items", "meta"],
            "properties": {"items": {"type": "array", "items": item}, "meta": ref("PageMeta")}}


def json_request(schema: dict, *, required: bool = True, example: Any = None) -> dict[str, Any]:
    """A JSON request body; `example` (a valid body) shows a reader, and schemathesis' examples phase, a real call."""
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"required": required, "content": {"application/json": media}}


def nullable(schema: dict) -> dict[str, Any]:
    """`schema` or null (OpenAPI 3.1: a JSON Schema type list)."""
    kind = schema.get("type")
    if isinstance(kind, str):
        widened = {**schema, "type": [kind, "null"]}
        if "enum" in schema:
            widened["enum"] = [*schema["enum"], None]
        return widened
    return {"anyOf": [schema, {"type": "null"}]}


OPENAPI_PATHS: dict[str, Any] = {
    "/api/v1/openapi.json": {"get": {
        "operationId": "getOpenApi",
        "summary": "This document.",
        "security": [],
        "responses": {"200": {"description": "The OpenAPI 3.1 document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }},
}


# OpenAPI links: which operation's answer gives the ids another operation takes, so a client (and
# schemathesis' stateful phase) can follow them. (producer, status, {parameter: expression}, consumers);
# a tenant-scoped consumer of a tenant-scoped producer also takes the producer's `tenant_ref`.
# Feature modules may add their own as `OPENAPI_LINKS`, in the same shape.
OPENAPI_LINKS: list[tuple[str, str, dict[str, str], tuple[str, ...]]] = [
    ("createTenant", "201", {"tenant_ref": "$response.body#/id"},
     ("getTenant", "updateTenant", "deleteTenant", "extendTrial", "setQuotaOverrides", "getQuota", "listMembers")),
    ("deleteTenant", "200", {"tenant_ref": "$response.body#/id"}, ("restoreTenant", "purgeTenant")),
    ("addMember", "201", {"user_id": "$response.body#/member/user_id"}, ("changeMemberRole", "removeMember")),
    ("createInvitation", "201", {"invitation_id": "$response.body#/id"}, ("resendInvitation", "revokeInvitation")),
    ("listInvitations", "200", {"invitation_id": "$response.body#/items/0/id"},
     ("resendInvitation", "revokeInvitation")),
    ("createApiKey", "201", {"key_id": "$response.body#/id"}, ("revokeApiKey", "reownApiKey")),
    ("listApiKeys", "200", {"key_id": "$response.body#/items/0/id"}, ("revokeApiKey", "reownApiKey")),
    ("createDocument", "201", {"doc_id": "$response.body#/id"}, ("getDocument", "deleteDocument")),
    ("listDocuments", "200", {"doc_id": "$response.body#/items/0/id"}, ("getDocument", "deleteDocument")),
    ("createSsoConnection", "201", {"connection_id": "$response.body#/id"},
     ("getSsoConnection", "updateSsoConnection", "deleteSsoConnection")),
    ("addDomain", "201", {"domain_id": "$response.body#/id"}, ("verifyDomain", "updateDomain", "removeDomain")),
    ("listDomains", "200", {"domain_id": "$response.body#/items/0/id"}, ("updateDomain",)),
    ("createScimToken", "201", {"token_id": "$response.body#/id"}, ("revokeScimToken",)),
    ("listScimTokens", "200", {"token_id": "$response.body#/items/0/id"}, ("revokeScimToken",)),
    ("listPlatformUsers", "200", {"user_id": "$response.body#/items/0/id"},
     ("disableUser", "enableUser", "grantPlatformAdmin", "revokePlatformAdmin", "resetTwoFactor")),
    ("listInvoices", "200", {"invoice_id": "$response.body#/items/0/id"}, ("getInvoice",)),
    ("setFlagOverride", "200", {"key": "$response.body#/key"}, ("getFlagOverride", "clearFlagOverride")),
    ("listFlagOverrides", "200", {"key": "$response.body#/items/0/key"},
     ("getFlagOverride", "setFlagOverride", "clearFlagOverride")),
]


def _add_links(paths: dict[str, Any], links: list[tuple[str, str, dict[str, str], tuple[str, ...]]]) -> None:
    """Write `links` into the producers' responses; an unknown operation id is an error at build time."""
    operations = {op["operationId"]: (path, op) for path, item in paths.items() for key, op in item.items()
                  if key != "parameters"}
    for producer, status, parameters, consumers in links:
        if producer not in operations:
            raise ValueError(f"OpenAPI link from unknown operation {producer!r}")
        producer_path, operation = operations[producer]
        response = operation["responses"][status]
        for consumer in consumers:
            if consumer not in operations:
                raise ValueError(f"OpenAPI link from {producer} to unknown operation {consumer!r}")
            consumer_path = operations[consumer][0]
            linked = dict(parameters)
            if "{tenant_ref}" in producer_path and "{tenant_ref}" in consumer_path:
                linked.setdefault("tenant_ref", "$request.path.tenant_ref")
            response.setdefault("links", {})[consumer[0].upper() + consumer[1:]] = {
                "operationId": consumer, "parameters": linked}


def _api_modules() -> list[Any]:
    import app.api as package

    modules = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        modules.append(importlib.import_module(f"app.api.{info.name}"))
    return modules


def build_document() -> dict[str, Any]:
    """Merge every module's OPENAPI_PATHS / OPENAPI_COMPONENTS into one OpenAPI 3.1 document."""
    components = copy.deepcopy(BASE_COMPONENTS)
    paths: dict[str, dict[str, Any]] = {}
    for module in _api_modules():
        for path, item in (getattr(module, "OPENAPI_PATHS", None) or {}).items():
            merged = paths.setdefault(path, {})
            for method, operation in item.items():
                if method == "parameters" and merged.get(method) == operation:
                    continue  # path-level parameters: several modules may repeat the same ones
                if method in merged:
                    raise ValueError(f"{module.__name__}: {method.upper()} {path} is described twice")
                merged[method] = copy.deepcopy(operation)
        for name, schema in (getattr(module, "OPENAPI_COMPONENTS", None) or {}).items():
            schema = copy.deepcopy(schema() if callable(schema) else schema)
            if name in components["schemas"] and components["schemas"][name] != schema:
                raise ValueError(f"{module.__name__}: schema {name!r} is defined twice, differently")
            components["schemas"][name] = schema  # the same model (an enum, say) may come from several
    links = [link for module in _api_modules() for link in getattr(module, "OPENAPI_LINKS", None) or []]
    _add_links(paths, links)
    return {
        "openapi": "3.1.0",
        "info": {"title": "SaaS admin portal API", "version": "1.0.0",
                 "description": "Tenants, members, invitations, plans, quotas, usage, audit and API keys. "
                                "Errors use one envelope: {\"error\": {\"code\", \"message\", \"details\"}}."},
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
        "components": components,
    }


@bp.public("/openapi.json")
def openapi_document():
    """The OpenAPI document (public: it describes, it does not expose data)."""
    return jsonify(build_document())
