"""JSON API: the groups a tenant's identity provider provisioned, and the role each gives (owners only)."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from pydantic import Field

from app.api import bp
from app.api.bodies import Moment, RequestBody, ResponseBody, read_body, schemas
from app.api.openapi import TENANT_REF, json_request, json_response, ref, tenant_responses
from app.models import Role
from app.models import ScimGroup as ScimGroupRow
from app.services.directory import provisioning
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class ScimGroup(ResponseBody):
    id: str = Field(description="The group's SCIM id.")
    display_name: str
    external_id: str | None
    members: int = Field(description="How many provisioned users are in it.")
    role: Role | None = Field(description="The role the group gives its members (null: none).")
    created_at: Moment
    updated_at: Moment


# The roles a group can give, from the service's rule (owners are made in the portal, never by a directory).
MappableRole = Literal[tuple(role.value for role in provisioning.MAPPABLE_ROLES)]  # type: ignore[valid-type]


class ScimGroupRole(RequestBody):
    role: MappableRole | None = Field(description="The role the group gives; null: none.")  # type: ignore[valid-type]


def _group_json(group: ScimGroupRow, members: int) -> dict:
    return ScimGroup(id=group.id, display_name=group.display_name, external_id=group.external_id, members=members,
                     role=group.role, created_at=group.created_at, updated_at=group.updated_at).model_dump(mode="json")


@bp.tenant("/scim-groups", "scim.manage")
def list_scim_groups():
    """Every provisioned group, by name (a tenant has a handful, not thousands: one list, no pages)."""
    groups = provisioning.list_groups(current_tenant)
    counts = provisioning.member_counts([g.id for g in groups])
    return jsonify({"items": [_group_json(g, counts[g.id]) for g in groups]})


@bp.tenant("/scim-groups/<group_id>", "scim.manage", methods=["PATCH"])
def set_scim_group_role(group_id: str):
    body = read_body(ScimGroupRole)
    group = provisioning.set_group_role(current_tenant._get_current_object(), group_id, body.role, current_authority())
    return jsonify(_group_json(group, provisioning.member_counts([group.id])[group.id]))



OPENAPI_COMPONENTS = schemas(ScimGroup, ScimGroupRole)

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/scim-groups": {"get": {
        "operationId": "listScimGroups", "tags": ["scim"], "summary": "The groups the directory provisioned (owners).",
        "parameters": [TENANT_REF],
        "responses": {"200": json_response("The groups, by name.", {
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref("ScimGroup")}}}), **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/scim-groups/{group_id}": {"patch": {
        "operationId": "setScimGroupRole", "tags": ["scim"],
        "summary": "Choose the role a group gives its members; their roles follow at once.",
        "parameters": [TENANT_REF, {"name": "group_id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": json_request(ref("ScimGroupRole")),
        "responses": {"200": json_response("The group.", ref("ScimGroup")), **tenant_responses(),
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
}

OPENAPI_LINKS = [("listScimGroups", "200", {"group_id": "$response.body#/items/0/id"}, ("setScimGroupRole",))]
