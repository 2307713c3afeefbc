"""JSON API: a member's own standing in a tenant: ownership transfer, and leaving."""

from __future__ import annotations

from flask import jsonify
from pydantic import Field

from app.api import bp
from app.api.bodies import Integer, RequestBody, read_body, schemas
from app.api.callers import calling_user
from app.api.members import Member
from app.api.openapi import TENANT_REF, json_request, json_response, ref, tenant_responses
from app.services import members
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class OwnershipTransfer(RequestBody):
    user_id: Integer = Field(ge=1, le=2**31 - 1, description="The active member who becomes the owner.")


@bp.tenant("/transfer-ownership", "ownership.transfer", methods=["POST"])
def transfer_ownership():
    """The member becomes the owner; the previous primary owner becomes an admin."""
    body = read_body(OwnershipTransfer)
    new_owner = members.transfer_ownership(current_tenant, body.user_id, current_authority())
    return jsonify(Member.of(new_owner).model_dump(mode="json"))


@bp.tenant("/leave", "membership.leave", methods=["POST"])
def leave():
    """The calling user leaves the tenant (a user's token; the last owner cannot leave)."""
    user = calling_user()
    members.remove_member(current_tenant, user.id, current_authority())
    return "", 204


OPENAPI_COMPONENTS = schemas(OwnershipTransfer)


OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/transfer-ownership": {"post": {
        "operationId": "transferOwnership", "tags": ["members"],
        "summary": "Make another member the owner (owners); the previous owner becomes an admin.",
        "parameters": [TENANT_REF], "requestBody": json_request(ref("OwnershipTransfer")),
        "responses": {"200": json_response("The new owner.", ref("Member")), **tenant_responses(),
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
    "/api/v1/tenants/{tenant_ref}/leave": {"post": {
        "operationId": "leaveTenant", "tags": ["members"],
        "summary": "Leave the tenant (a user's access token, not an API key).",
        "parameters": [TENANT_REF],
        "responses": {"204": {"description": "Left."}, **tenant_responses(),
                      "409": {"$ref": "#/components/responses/Conflict"}},
    }},
}
