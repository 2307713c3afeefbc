"""JSON API: the permission catalogue and a tenant's custom roles (issue 17)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, json_request, json_response, ref, response_refs, tenant_responses
from app.api.params import path_int
from app.models import TenantRole
from app.services import permissions, roles
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class PermissionEntry(ResponseBody):
    name: str
    group: str
    label: str
    description: str
    writes: bool
    builtin_roles: list[str] = Field(description="The built-in roles that hold it.")


class CustomRole(ResponseBody):
    id: int
    key: str = Field(description="What `PATCH .../users/{user_id}` `roles` names it by.")
    name: str
    description: str
    permissions: list[str]
    members: int | None = Field(None, description="How many members hold it (in lists).")

    @classmethod
    def of(cls, role: TenantRole, members: int | None = None) -> CustomRole:
        return cls(id=role.id, key=role.key, name=role.name, description=role.description,
                   permissions=list(role.permissions), members=members)


# The schema's limits are the service's: the catalogue's names, the name and description lengths.
PermissionName = StrEnum("PermissionName", {p.name: p.name for p in permissions.CATALOGUE})
RoleName = text(roles.NAME_MAX, blank=False)
RoleDescription = text(roles.DESCRIPTION_MAX)


class CustomRoleCreate(RequestBody):
    name: RoleName
    description: RoleDescription = ""
    permissions: list[PermissionName] = Field(default_factory=list, description="Names from GET /api/v1/permissions.")


class CustomRoleChange(RequestBody):
    name: RoleName | None = None
    description: RoleDescription | None = None
    permissions: list[PermissionName] | None = None


def role_json(role: TenantRole, members: int | None = None) -> dict[str, Any]:
    data = CustomRole.of(role, members).model_dump(mode="json")
    if members is None:
        del data["members"]
    return data


@bp.signed_in("/permissions")
def list_permissions():
    """The catalogue a custom role is made from."""
    entries = [PermissionEntry(name=p.name, group=p.group, label=str(p.label), description=str(p.description),
                               writes=p.writes,
                               builtin_roles=[r.value for r, held in permissions.BUILTIN_ROLE_PERMISSIONS.items()
                                              if p.name in held]).model_dump(mode="json")
               for p in permissions.CATALOGUE]
    return jsonify({"items": entries})


@bp.tenant("/roles", "members.read")
def list_roles():
    return jsonify({"items": [role_json(role, count) for role, count in roles.list_roles(current_tenant)]})


@bp.tenant("/roles", "roles.manage", methods=["POST"])
def create_role():
    body = read_body(CustomRoleCreate)
    role = roles.create_role(current_tenant, current_authority(), name=body.name, description=body.description,
                             permissions=body.permissions)
    return jsonify(role_json(role)), 201


@bp.tenant("/roles/<role_id>", "roles.manage", methods=["PATCH"])
def update_role(role_id: str):
    body = read_body(CustomRoleChange)
    role = roles.update_role(current_tenant, _role_id(role_id), current_authority(), name=body.name,
                             description=body.description, permissions=body.permissions)
    return jsonify(role_json(role))


@bp.tenant("/roles/<role_id>", "roles.manage", methods=["DELETE"])
def delete_role(role_id: str):
    roles.delete_role(current_tenant, _role_id(role_id), current_authority())
    return "", 204


def _role_id(value: str) -> int:
    return path_int(value, NotFound(gettext("Role not found."), code="role_not_found"))


_ROLE_ID = {"name": "role_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
            "description": "The custom role's id."}
_WRITE_ERRORS = response_refs("409", "413", "422")


def _items(schema: dict) -> dict:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema}}}


OPENAPI_COMPONENTS = schemas(PermissionEntry, CustomRole, CustomRoleCreate, CustomRoleChange)

OPENAPI_PATHS = {
    "/api/v1/permissions": {"get": {
        "operationId": "listPermissions", "tags": ["roles"],
        "summary": "The permission catalogue custom roles are made from, with the built-in roles holding each.",
        "responses": {"200": json_response("Every tenant permission.", _items(ref("PermissionEntry"))),
                      "401": {"$ref": "#/components/responses/Unauthorized"},
                      "429": {"$ref": "#/components/responses/QuotaExceeded"}},
    }},
    "/api/v1/tenants/{tenant_ref}/roles": {
        "get": {
            "operationId": "listRoles", "tags": ["roles"], "summary": "The tenant's custom roles, with member counts.",
            "parameters": [TENANT_REF],
            "responses": {"200": json_response("Every custom role.", _items(ref("CustomRole"))), **tenant_responses()},
        },
        "post": {
            "operationId": "createRole", "tags": ["roles"],
            "summary": "Create a custom role (Professional plan and up; only permissions you hold).",
            "parameters": [TENANT_REF],
            "requestBody": json_request(ref("CustomRoleCreate")),
            # A well-shaped name may still be refused: a built-in role's name (422).
            "x-content-checked": True,
            "responses": {"201": json_response("The role, with its `id` and `key`.", ref("CustomRole")),
                          **tenant_responses(), **_WRITE_ERRORS},
        },
    },
    "/api/v1/tenants/{tenant_ref}/roles/{role_id}": {
        "patch": {
            "operationId": "updateRole", "tags": ["roles"],
            "summary": "Change a custom role's name, description or permissions (omitted: unchanged).",
            "parameters": [TENANT_REF, _ROLE_ID],
            "requestBody": json_request(ref("CustomRoleChange")),
            "x-content-checked": True,
            "responses": {"200": json_response("The role.", ref("CustomRole")), **tenant_responses(), **_WRITE_ERRORS},
        },
        "delete": {
            "operationId": "deleteRole", "tags": ["roles"],
            "summary": "Delete a custom role nobody holds (409 `role_in_use` until its members are reassigned).",
            "parameters": [TENANT_REF, _ROLE_ID],
            "responses": {"204": {"description": "Deleted."}, **tenant_responses(),
                          "409": {"$ref": "#/components/responses/Conflict"}},
        },
    },
}

OPENAPI_LINKS = [
    ("createRole", "201", {"role_id": "$response.body#/id"}, ("updateRole", "deleteRole")),
    ("listRoles", "200", {"role_id": "$response.body#/items/0/id"}, ("updateRole", "deleteRole")),
]
