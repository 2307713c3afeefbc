"""JSON API: a tenant's users: list, add (or invite), change role, remove."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import Email, MaybeMoment, RequestBody, ResponseBody, read_body, schemas
from app.api.invitations import Invitation
from app.api.openapi import TENANT_REF, json_request, json_response, list_schema, ref, response_refs, tenant_responses
from app.api.params import page_body, paging_args, path_int
from app.models import MembershipStatus, Role, TenantUser
from app.services import invitations, members, roles
from app.services.errors import NotFound, ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class Member(ResponseBody):
    user_id: int
    email: str
    name: str
    role: Role
    status: MembershipStatus
    joined_at: MaybeMoment

    @classmethod
    def of(cls, membership: TenantUser) -> Member:
        return cls(user_id=membership.user_id, email=membership.user.email, name=membership.user.name,
                   role=membership.role, status=membership.status, joined_at=membership.joined_at)


class MemberAdd(RequestBody):
    email: Email
    role: Role | None = Field(None, description="Default: member.")


class RoleChange(RequestBody):
    role: Role | None = Field(None, description="The member's built-in role.")
    roles: list[str] | None = Field(None, description="Exactly the roles the member holds from now on: role keys, "
                                                      "at most one built-in (else it stays) and any custom roles.")


class MemberRoles(Member):
    roles: list[str] = Field(description="The built-in role's key first, then the custom roles' keys.")


class MemberAdded(ResponseBody):
    result: Literal["added"] = "added"
    member: Member


class MemberInvited(ResponseBody):
    result: Literal["invited"] = "invited"
    invitation: Invitation
    email_sent: bool


def member_json(membership: TenantUser) -> dict[str, Any]:
    return Member.of(membership).model_dump(mode="json")


@bp.tenant("/users", "members.read")
def list_members():
    """One page of members, each with every role they hold (custom roles: one query for the page)."""
    page, per_page = paging_args()
    found = members.page_members(current_tenant, page, per_page)
    held = roles.roles_of_members(current_tenant, [m.user_id for m in found.items])
    return jsonify(page_body(found, lambda m: {**member_json(m), "roles": roles.role_keys(m, held[m.user_id])}))


@bp.tenant("/users", "members.manage", methods=["POST"])
def add_user():
    """An invitation is emailed (202), whether or not the address has an account, so the answer
    reveals nothing; an account with a verified address joins at once (201) only when a platform
    admin adds it or the address is on one of the tenant's verified domains."""
    body = read_body(MemberAdd)
    result = invitations.add_or_invite(current_tenant, body.email, body.role or Role.MEMBER, current_authority())
    if result.membership is not None:
        return jsonify(MemberAdded(member=Member.of(result.membership)).model_dump(mode="json")), 201
    invited = MemberInvited(invitation=Invitation.of(result.invitation), email_sent=result.email_sent)
    return jsonify(invited.model_dump(mode="json")), 202


@bp.tenant("/users/<user_id>", "members.manage", methods=["PATCH"])
def change_role(user_id: str):
    body = read_body(RoleChange)
    if body.roles is None and body.role is None:
        raise ValidationError(gettext("Send `role` or `roles`."), field="roles")
    if body.roles is not None:
        membership = roles.set_member_roles(current_tenant, _user_id(user_id),
                                            [*body.roles, *([body.role] if body.role else [])], current_authority())
    else:
        membership = members.change_role(current_tenant, _user_id(user_id), body.role, current_authority())
    held = roles.roles_of_members(current_tenant, [membership.user_id])[membership.user_id]
    return jsonify({**member_json(membership), "roles": roles.role_keys(membership, held)})


@bp.tenant("/users/<user_id>", "members.manage", methods=["DELETE"])
def remove_member(user_id: str):
    members.remove_member(current_tenant, _user_id(user_id), current_authority())
    return "", 204


def _user_id(value: str) -> int:
    return path_int(value, NotFound(gettext("Member not found."), code="member_not_found"))


_USER_ID = {"name": "user_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
            "description": "The member's user id."}
_WRITE_ERRORS = response_refs("409", "413", "422")

OPENAPI_COMPONENTS = schemas(Member, MemberAdd, RoleChange, MemberRoles, MemberAdded, MemberInvited)

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/users": {
        "get": {
            "operationId": "listMembers", "tags": ["members"], "summary": "The tenant's members, owners first.",
            "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"}],
            "responses": {"200": json_response("One page of members, each with their roles.",
                                               list_schema(ref("MemberRoles"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "addMember", "tags": ["members"],
            "summary": "Add a user: the address is invited (202), whether or not it has an account; a verified "
                       "account on one of the tenant's verified domains (or added by a platform admin) joins (201).",
            "parameters": [TENANT_REF],
            "requestBody": json_request(ref("MemberAdd")),
            "responses": {
                "201": json_response("The account joined (verified address; platform admin or verified domain).",
                                     ref("MemberAdded")),
                "202": json_response("An invitation was sent.", ref("MemberInvited")),
                **tenant_responses(), **_WRITE_ERRORS,
            },
        },
    },
    "/api/v1/tenants/{tenant_ref}/users/{user_id}": {
        "patch": {
            "operationId": "changeMemberRole", "tags": ["members"], "summary": "Change a member's role (`role`) or set all their roles (`roles`: built-in and custom keys).",
            "parameters": [TENANT_REF, _USER_ID],
            "requestBody": json_request(ref("RoleChange")),
            # `roles` names role keys, looked up in the tenant: an unknown key is a 422 on its merits.
            "x-content-checked": True,
            "responses": {"200": json_response("The member, with their roles.", ref("MemberRoles")), **tenant_responses(),
                          **_WRITE_ERRORS},
        },
        "delete": {
            "operationId": "removeMember", "tags": ["members"], "summary": "Remove a member.",
            "parameters": [TENANT_REF, _USER_ID],
            "responses": {"204": {"description": "Removed."}, **tenant_responses(),
                          "409": {"$ref": "#/components/responses/Conflict"}},
        },
    },
}
