"""JSON API: a tenant's SCIM tokens (owners only). The secret is shown once, in the creation response."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, json_request, json_response, list_schema, ref, tenant_responses
from app.api.params import page_body, paging_args, path_int
from app.models import ScimToken as ScimTokenRow
from app.scim import base_url as scim_base_url
from app.services.directory import tokens
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class ScimToken(ResponseBody):
    id: int
    name: str
    prefix: str = Field(description="The first characters of the secret, to recognise it.")
    created_at: Moment
    last_used_at: MaybeMoment
    revoked_at: MaybeMoment
    base_url: str = Field(description="The SCIM base URL to give the identity provider (its 'Tenant URL').")
    secret: str | None = Field(None, description="Only in the creation response.")


class ScimTokenCreate(RequestBody):
    name: text(tokens.NAME_MAX_LENGTH, blank=False) = Field(  # type: ignore[valid-type]
        description="Which identity provider uses it, e.g. 'Entra ID'.")


def token_json(token: ScimTokenRow, secret: str | None = None) -> dict[str, Any]:
    base_url = scim_base_url(current_tenant)
    data = ScimToken(id=token.id, name=token.name, prefix=token.prefix, created_at=token.created_at,
                     last_used_at=token.last_used_at, revoked_at=token.revoked_at, base_url=base_url,
                     secret=secret).model_dump(mode="json")
    if secret is None:
        del data["secret"]
    return data


@bp.tenant("/scim-tokens", "scim.manage")
def list_scim_tokens():
    page, per_page = paging_args()
    return jsonify(page_body(tokens.page_tokens(current_tenant, page, per_page), token_json))


@bp.tenant("/scim-tokens", "scim.manage", methods=["POST"])
def create_scim_token():
    """A token for the tenant's SCIM endpoint; `secret` appears only here."""
    body = read_body(ScimTokenCreate)
    token, secret = tokens.create_token(current_tenant, body.name, current_authority())
    return jsonify(token_json(token, secret)), 201


@bp.tenant("/scim-tokens/<token_id>", "scim.manage", methods=["DELETE"])
def revoke_scim_token(token_id: str):
    number = path_int(token_id, NotFound(gettext("SCIM token not found."), code="scim_token_not_found"))
    return jsonify(token_json(tokens.revoke_token(current_tenant, number, current_authority())))



OPENAPI_COMPONENTS = schemas(ScimToken, ScimTokenCreate)

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/scim-tokens": {
        "get": {
            "operationId": "listScimTokens", "tags": ["scim"], "summary": "The tenant's active SCIM tokens (owners).",
            "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"}],
            "responses": {"200": json_response("One page of tokens.", list_schema(ref("ScimToken"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "createScimToken", "tags": ["scim"],
            "summary": "Create a SCIM token; the secret is shown once.",
            "parameters": [TENANT_REF],
            "requestBody": json_request(ref("ScimTokenCreate")),
            "responses": {"201": json_response("The token, with its secret and the SCIM base URL.", ref("ScimToken")),
                          **tenant_responses(), "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                          "422": {"$ref": "#/components/responses/Validation"}},
        },
    },
    "/api/v1/tenants/{tenant_ref}/scim-tokens/{token_id}": {"delete": {
        "operationId": "revokeScimToken", "tags": ["scim"], "summary": "Revoke a SCIM token.",
        "parameters": [TENANT_REF, {"name": "token_id", "in": "path", "required": True,
                                     "schema": {"type": "string", "pattern": "^[0-9]+$"}}],
        "responses": {"200": json_response("The revoked token.", ref("ScimToken")), **tenant_responses()},
    }},
}
