"""JSON API: a tenant's API keys. The secret is shown once, in the creation response."""

from __future__ import annotations

from typing import Annotated, Any

from flask import jsonify
from flask_babel import gettext
from pydantic import AwareDatetime, Field, WithJsonSchema

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, json_request, json_response, list_schema, ref, tenant_responses
from app.api.params import page_body, paging_args, path_int
from app.models import ApiKey as ApiKeyRow
from app.models import Role
from app.services import api_keys
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class ApiKey(ResponseBody):
    id: int
    name: str
    role: Role
    custom_role: str | None = Field(description="The key of the custom role whose permissions the key also "
                                                "holds; null: none.")
    prefix: str = Field(description="The first characters of the secret, to recognise it.")
    created_at: Moment
    last_used_at: MaybeMoment
    revoked_at: MaybeMoment
    expires_at: MaybeMoment = Field(description="Refused from this moment on (401 api_key_expired); null: never.")
    owned_by_id: int | None = Field(description="The user whose access the key hangs on: it stops when they leave "
                                                "the tenant or are disabled. Null: made by an operator.")
    secret: str | None = Field(None, description="Only in the creation response.")

    @classmethod
    def of(cls, key: ApiKeyRow, secret: str | None = None) -> ApiKey:
        return cls(id=key.id, name=key.name, role=key.role,
                   custom_role=key.custom_role.key if key.custom_role is not None else None,
                   prefix=key.prefix, created_at=key.created_at,
                   last_used_at=key.last_used_at, revoked_at=key.revoked_at, expires_at=key.expires_at,
                   owned_by_id=key.owned_by_id,
                   secret=secret)


KeyName = text(api_keys.NAME_MAX_LENGTH, blank=False)
ExpiresAt = Annotated[AwareDatetime | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})]


class ApiKeyCreate(RequestBody):
    name: KeyName
    role: Role | None = Field(None, description="Default: member. At most the caller's own role.")
    custom_role: str | None = Field(None, description="A custom role's key: the key also holds its permissions "
                                                      "(only permissions the caller holds).")
    expires_at: ExpiresAt = Field(None, description="When the key stops working: in the future, at most three "
                                                    "years away, with its UTC offset. Default: never.")


def key_json(key: ApiKeyRow, secret: str | None = None) -> dict[str, Any]:
    data = ApiKey.of(key, secret).model_dump(mode="json")
    if secret is None:
        del data["secret"]  # shown once, at creation
    return data


@bp.tenant("/api-keys", "apikeys.manage")
def list_keys():
    page, per_page = paging_args()
    return jsonify(page_body(api_keys.page_keys(current_tenant, page, per_page), key_json))


@bp.tenant("/api-keys", "apikeys.manage", methods=["POST"])
def create_key():
    """A key bound to this tenant with a role no higher than the caller's; `secret` appears only here."""
    body = read_body(ApiKeyCreate)
    key, secret = api_keys.create_key(current_tenant, body.name, body.role or Role.MEMBER, current_authority(),
                                      custom_role=body.custom_role, expires_at=body.expires_at)
    return jsonify(key_json(key, secret)), 201


@bp.tenant("/api-keys/<key_id>", "apikeys.manage", methods=["DELETE"])
def revoke_key(key_id: str):
    key_number = path_int(key_id, NotFound(gettext("API key not found."), code="api_key_not_found"))
    return jsonify(key_json(api_keys.revoke_key(current_tenant, key_number, current_authority())))


@bp.tenant("/api-keys/<key_id>/reown", "apikeys.reown", methods=["POST"])
def reown_key(key_id: str):
    """An owner takes the key over: it hangs on their access from now on, not its maker's."""
    key_number = path_int(key_id, NotFound(gettext("API key not found."), code="api_key_not_found"))
    return jsonify(key_json(api_keys.reown_key(current_tenant, key_number, current_authority())))


_KEY_ID = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}

OPENAPI_COMPONENTS = schemas(ApiKey, ApiKeyCreate)

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/api-keys": {
        "get": {
            "operationId": "listApiKeys", "tags": ["api-keys"], "summary": "The tenant's active keys.",
            "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"}],
            "responses": {"200": json_response("One page of keys.", list_schema(ref("ApiKey"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "createApiKey", "tags": ["api-keys"], "summary": "Create a key; the secret is shown once.",
            # A well-shaped name may already be taken (names are unique among active keys), an expiry past.
            "x-content-checked": True,
            "parameters": [TENANT_REF],
            "requestBody": json_request(ref("ApiKeyCreate")),
            "responses": {"201": json_response("The key, with its secret.", ref("ApiKey")), **tenant_responses(),
                          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                          "422": {"$ref": "#/components/responses/Validation"}},
        },
    },
    "/api/v1/tenants/{tenant_ref}/api-keys/{key_id}": {"delete": {
        "operationId": "revokeApiKey", "tags": ["api-keys"], "summary": "Revoke a key.",
        "parameters": [TENANT_REF, _KEY_ID],
        "responses": {"200": json_response("The revoked key.", ref("ApiKey")), **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/api-keys/{key_id}/reown": {"post": {
        "operationId": "reownApiKey", "tags": ["api-keys"],
        "summary": "Take a key over (owners): it keeps working when its maker leaves, as long as you stay.",
        "parameters": [TENANT_REF, _KEY_ID],
        "responses": {"200": json_response("The key, now yours.", ref("ApiKey")), **tenant_responses(),
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
