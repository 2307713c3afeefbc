"""JSON API: a tenant's API keys. The secret is shown once, in the creation response."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.openapi import json_request, json_response, list_schema, nullable, ref, tenant_responses, text
from app.api.params import iso, page_body, paging_args, path_int
from app.api.payload import choice_field, json_body, string_field
from app.models import ROLES, ApiKey
from app.services import api_keys
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "name": key.name,
        "role": key.role,
        "prefix": key.prefix,
        "created_at": iso(key.created_at),
        "last_used_at": iso(key.last_used_at),
        "revoked_at": iso(key.revoked_at),
    }


@bp.tenant("/api-keys", "apikeys.manage")
def list_keys():
    page, per_page = paging_args()
    return jsonify(page_body(api_keys.page_keys(current_tenant, page, per_page), key_json))


@bp.tenant("/api-keys", "apikeys.manage", methods=["POST"])
def create_key():
    """A key bound to this tenant with a role no higher than the caller's; `secret` appears only here."""
    data = json_body(allowed={"name", "role"}, required={"name"})
    key, secret = api_keys.create_key(current_tenant, string_field(data, "name", max_length=120),
                                      choice_field(data, "role", ROLES, default="member"),
                                      current_authority())
    return jsonify({**key_json(key), "secret": secret}), 201


@bp.tenant("/api-keys/<key_id>", "apikeys.manage", methods=["DELETE"])
def revoke_key(key_id: str):
    key_number = path_int(key_id, NotFound("API key not found.", code="api_key_not_found"))
    return jsonify(key_json(api_keys.revoke_key(current_tenant, key_number, current_authority())))


_TENANT_REF = {"$ref": "#/components/parameters/TenantRef"}

OPENAPI_COMPONENTS = {
    "ApiKey": {
        "type": "object",
        "required": ["id", "name", "role", "prefix", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": list(ROLES)},
            "prefix": {"type": "string", "description": "The first characters of the secret, to recognise it."},
            "created_at": {"type": "string", "format": "date-time"},
            "last_used_at": nullable({"type": "string", "format": "date-time"}),
            "revoked_at": nullable({"type": "string", "format": "date-time"}),
            "secret": {"type": "string", "description": "Only in the creation response."},
        },
    },
    "ApiKeyCreate": {
        "type": "object", "required": ["name"], "additionalProperties": False,
        "properties": {"name": text(120, blank=False),
                       "role": nullable({"type": "string", "enum": list(ROLES), "default": "member"})},
    },
}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/api-keys": {
        "get": {
            "operationId": "listApiKeys", "tags": ["api-keys"], "summary": "The tenant's active keys.",
            "parameters": [_TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"}],
            "responses": {"200": json_response("One page of keys.", list_schema(ref("ApiKey"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "createApiKey", "tags": ["api-keys"], "summary": "Create a key; the secret is shown once.",
            "parameters": [_TENANT_REF],
            "requestBody": json_request(ref("ApiKeyCreate")),
            "responses": {"201": json_response("The key, with its secret.", ref("ApiKey")), **tenant_responses(),
                          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                          "422": {"$ref": "#/components/responses/Validation"}},
        },
    },
    "/api/v1/tenants/{tenant_ref}/api-keys/{key_id}": {"delete": {
        "operationId": "revokeApiKey", "tags": ["api-keys"], "summary": "Revoke a key.",
        "parameters": [_TENANT_REF, {"name": "key_id", "in": "path", "required": True,
                                     "schema": {"type": "string", "pattern": "^[0-9]+$"}}],
        "responses": {"200": json_response("The revoked key.", ref("ApiKey")), **tenant_responses()},
    }},
}
