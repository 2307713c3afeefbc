"""JSON API: a tenant's users: list, add (or invite), change role, remove."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.invitations import invitation_json
from app.api.openapi import json_request, json_response, list_schema, nullable, ref, tenant_responses
from app.api.params import iso, page_body, paging_args, path_int
from app.api.payload import choice_field, json_body, string_field
from app.models import ROLES, TenantUser
from app.services import invitations, members
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


def member_json(membership: TenantUser) -> dict[str, Any]:
    return {
        "user_id": membership.user_id,
        "email": membership.user.email,
        "name": membership.user.name,
        "role": membership.role,
        "status": membership.status,
        "joined_at": iso(membership.joined_at),
    }


@bp.tenant("/users", "members.read")
def list_members():
    page, per_page = paging_args()
    return jsonify(page_body(members.page_members(current_tenant, page, per_page), member_json))


@bp.tenant("/users", "members.manage", methods=["POST"])
def add_user():
    """An existing account joins at once (201); an unknown address is invited by email (202)."""
    data = json_body(allowed={"email", "role"}, required={"email"})
    result = invitations.add_or_invite(current_tenant, string_field(data, "email", max_length=254),
                                   choice_field(data, "role", ROLES, default="member"),
                                   current_authority())
    if result.membership is not None:
        return jsonify({"result": "added", "member": member_json(result.membership)}), 201
    return jsonify({"result": "invited", "invitation": invitation_json(result.invitation),
                    "email_sent": result.email_sent}), 202


@bp.tenant("/users/<user_id>", "members.manage", methods=["PATCH"])
def change_role(user_id: str):
    data = json_body(allowed={"role"}, required={"role"})
    membership = members.change_role(current_tenant, _user_id(user_id), choice_field(data, "role", ROLES),
                                     current_authority())
    return jsonify(member_json(membership))


@bp.tenant("/users/<user_id>", "members.manage", methods=["DELETE"])
def remove_member(user_id: str):
    members.remove_member(current_tenant, _user_id(user_id), current_authority())
    return "", 204


def _user_id(value: str) -> int:
    return path_int(value, NotFound("Member not found.", code="member_not_found"))


_TENANT_REF = {"$ref": "#/components/parameters/TenantRef"}
_USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
            "description": "The member's user id."}
_WRITE_ERRORS = {"409": {"$ref": "#/components/responses/Conflict"},
                 "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                 "422": {"$ref": "#/components/responses/Validation"}}

OPENAPI_COMPONENTS = {
    "Member": {
        "type": "object",
        "required": ["user_id", "email", "name", "role", "status", "joined_at"],
        "properties": {
            "user_id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": list(ROLES)},
            "status": {"type": "string"},
            "joined_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "MemberAdd": {
        "type": "object", "required": ["email"], "additionalProperties": False,
        "properties": {"email": {"type": "string", "format": "email", "maxLength": 254},
                       "role": nullable({"type": "string", "enum": list(ROLES), "default": "member"})},
    },
    "RoleChange": {
        "type": "object", "required": ["role"], "additionalProperties": False,
        "properties": {"role": {"type": "string", "enum": list(ROLES)}},
    },
}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/users": {
        "get": {
            "operationId": "listMembers", "tags": ["members"], "summary": "The tenant's members, owners first.",
            "parameters": [_TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"}],
            "responses": {"200": json_response("One page of members.", list_schema(ref("Member"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "addMember", "tags": ["members"],
            "summary": "Add a user: an existing account joins (201), a new address is invited (202).",
            "parameters": [_TENANT_REF],
            "requestBody": json_request(ref("MemberAdd")),
            "responses": {
                "201": json_response("The account joined.", {
                    "type": "object", "required": ["result", "member"],
                    "properties": {"result": {"const": "added"}, "member": ref("Member")}}),
                "202": json_response("An invitation was sent.", {
                    "type": "object", "required": ["result", "invitation", "email_sent"],
                    "properties": {"result": {"const": "invited"}, "invitation": ref("Invitation"),
                                   "email_sent": {"type": "boolean"}}}),
                **tenant_responses(), **_WRITE_ERRORS,
            },
        },
    },
    "/api/v1/tenants/{tenant_ref}/users/{user_id}": {
        "patch": {
            "operationId": "changeMemberRole", "tags": ["members"], "summary": "Change a member's role.",
            "parameters": [_TENANT_REF, _USER_ID],
            "requestBody": json_request(ref("RoleChange")),
            "responses": {"200": json_response("The member.", ref("Member")), **tenant_responses(), **_WRITE_ERRORS},
        },
        "delete": {
            "operationId": "removeMember", "tags": ["members"], "summary": "Remove a member.",
            "parameters": [_TENANT_REF, _USER_ID],
            "responses": {"204": {"description": "Removed."}, **tenant_responses(),
                          "409": {"$ref": "#/components/responses/Conflict"}},
        },
    },
}
