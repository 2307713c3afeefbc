"""JSON API: a tenant's invitations: list, send, revoke, resend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import jsonify

from app.api import bp
from app.api.openapi import json_request, json_response, list_schema, nullable, ref, tenant_responses
from app.api.params import iso, page_body, paging_args, path_int, query_choice
from app.api.payload import choice_field, json_body, string_field
from app.models import ROLES, TenantInvitation
from app.models.invitation import INVITATION_STATUSES
from app.services import invitations
from app.services.errors import Conflict, NotFound, ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


def invitation_json(invitation: TenantInvitation) -> dict[str, Any]:
    """An invitation as clients see it. Never the token: the link goes to the invitee only."""
    status = invitation.status
    if status == "pending" and invitation.is_expired():
        status = "expired"
    return {
        "id": invitation.id,
        "email": invitation.email,
        "role": invitation.role,
        "status": status,
        "created_at": iso(invitation.created_at),
        "expires_at": iso(invitation.expires_at),
        "last_sent_at": iso(invitation.last_sent_at),
        "send_count": invitation.send_count,
    }


@bp.tenant("/invitations", "members.read")
def list_invitations():
    """Pending invitations by default; `status` picks another state (or `all`)."""
    page, per_page = paging_args()
    status = query_choice("status", (*INVITATION_STATUSES, "all")) or "pending"
    listed = invitations.page_invitations(current_tenant, None if status == "all" else status, page, per_page)
    return jsonify(page_body(listed, invitation_json))


@bp.tenant("/invitations", "invitations.manage", methods=["POST"])
def invite():
    data = json_body(allowed={"email", "role"}, required={"email"})
    sent = invitations.invite(current_tenant, string_field(data, "email", max_length=254),
                              choice_field(data, "role", ROLES, default="member"), current_authority())
    return jsonify({**invitation_json(sent.invitation), "email_sent": sent.email_sent}), 201


@bp.tenant("/invitations/<invitation_id>", "invitations.manage", methods=["DELETE"])
def revoke(invitation_id: str):
    with _state_conflicts():
        invitation = invitations.revoke(current_tenant, _invitation_id(invitation_id), current_authority())
    return jsonify(invitation_json(invitation))


@bp.tenant("/invitations/<invitation_id>/resend", "invitations.manage", methods=["POST"])
def resend(invitation_id: str):
    with _state_conflicts():
        sent = invitations.resend(current_tenant, _invitation_id(invitation_id), current_authority())
    return jsonify({**invitation_json(sent.invitation), "email_sent": sent.email_sent})


@contextmanager
def _state_conflicts() -> Iterator[None]:
    """An invitation no longer pending is a conflict with its state (409), not a malformed request."""
    try:
        yield
    except ValidationError as exc:
        if exc.field != "invitation":
            raise
        raise Conflict(exc.message, field="invitation", code="invitation_not_pending") from None


def _invitation_id(value: str) -> int:
    return path_int(value, NotFound("Invitation not found.", code="invitation_not_found"))


_TENANT_REF = {"$ref": "#/components/parameters/TenantRef"}
_INVITATION_ID = {"name": "invitation_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^[0-9]+$"}}

OPENAPI_COMPONENTS = {
    "Invitation": {
        "type": "object",
        "required": ["id", "email", "role", "status", "created_at", "expires_at"],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "role": {"type": "string", "enum": list(ROLES)},
            "status": {"type": "string", "enum": list(INVITATION_STATUSES)},
            "created_at": {"type": ["string", "null"], "format": "date-time"},
            "expires_at": {"type": "string", "format": "date-time"},
            "last_sent_at": {"type": ["string", "null"], "format": "date-time"},
            "send_count": {"type": ["integer", "null"]},
            "email_sent": {"type": "boolean"},
        },
    },
    "InvitationCreate": {
        "type": "object", "required": ["email"], "additionalProperties": False,
        "properties": {"email": {"type": "string", "format": "email", "maxLength": 254},
                       "role": nullable({"type": "string", "enum": list(ROLES), "default": "member"})},
    },
}

_ERRORS = {"409": {"$ref": "#/components/responses/Conflict"},
           "422": {"$ref": "#/components/responses/Validation"}}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/invitations": {
        "get": {
            "operationId": "listInvitations", "tags": ["invitations"], "summary": "The tenant's invitations.",
            "parameters": [_TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"},
                           {"name": "status", "in": "query",
                            "schema": {"type": "string", "enum": [*INVITATION_STATUSES, "all"],
                                       "default": "pending"}}],
            "responses": {"200": json_response("One page of invitations.", list_schema(ref("Invitation"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "createInvitation", "tags": ["invitations"], "summary": "Invite an email address.",
            "parameters": [_TENANT_REF],
            "requestBody": json_request(ref("InvitationCreate")),
            "responses": {"201": json_response("The invitation (its link is emailed).", ref("Invitation")),
                          **tenant_responses(), **_ERRORS,
                          "413": {"$ref": "#/components/responses/PayloadTooLarge"}},
        },
    },
    "/api/v1/tenants/{tenant_ref}/invitations/{invitation_id}": {"delete": {
        "operationId": "revokeInvitation", "tags": ["invitations"], "summary": "Revoke a pending invitation.",
        "parameters": [_TENANT_REF, _INVITATION_ID],
        "responses": {"200": json_response("The revoked invitation.", ref("Invitation")), **tenant_responses(),
                      **_ERRORS},
    }},
    "/api/v1/tenants/{tenant_ref}/invitations/{invitation_id}/resend": {"post": {
        "operationId": "resendInvitation", "tags": ["invitations"],
        "summary": "Send a fresh link and restart the expiry clock.",
        "parameters": [_TENANT_REF, _INVITATION_ID],
        "responses": {"200": json_response("The invitation.", ref("Invitation")), **tenant_responses(), **_ERRORS},
    }},
}
