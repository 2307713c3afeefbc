"""JSON API: a tenant's invitations: list, send, revoke, resend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import jsonify, request
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import Email, MaybeMoment, Moment, RequestBody, ResponseBody, read_body, schemas, text
from app.api.callers import calling_user
from app.api.openapi import TENANT_REF, json_request, json_response, list_schema, ref, tenant_responses
from app.api.params import page_body, paging_args, path_int, query_choice
from app.models import INVITATION_STATUSES, InvitationStatus, Role, TenantInvitation, TenantUser
from app.services import accounts, invitations
from app.services.errors import Conflict, NotFound, ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class Invitation(ResponseBody):
    """An invitation as clients see it. Never the token: the link goes to the invitee only."""

    id: int
    email: str
    role: Role
    status: InvitationStatus
    created_at: MaybeMoment
    expires_at: Moment
    last_sent_at: MaybeMoment
    send_count: int | None
    email_sent: bool | None = Field(None, description="Whether the email went out (sending and resending).")

    @classmethod
    def of(cls, invitation: TenantInvitation, email_sent: bool | None = None) -> Invitation:
        status = invitation.status
        if status == InvitationStatus.PENDING and invitation.is_expired():
            status = InvitationStatus.EXPIRED
        return cls(id=invitation.id, email=invitation.email, role=invitation.role, status=status,
                   created_at=invitation.created_at, expires_at=invitation.expires_at,
                   last_sent_at=invitation.last_sent_at, send_count=invitation.send_count, email_sent=email_sent)


class InvitationCreate(RequestBody):
    email: Email
    role: Role | None = Field(None, description="Default: member.")


# The link's token travels in the body, not the path, so it stays out of access logs.
InvitationToken = text(200, blank=False)


class InvitationAccept(RequestBody):
    token: InvitationToken = Field(description="The token of the emailed link (/invitations/<token>).")


class InvitationAcceptNewAccount(RequestBody):
    token: InvitationToken
    name: text(accounts.NAME_MAX_LENGTH, blank=False)
    password: text(accounts.PASSWORD_MAX_LENGTH, blank=False)


class Joined(ResponseBody):
    """The membership an accepted invitation made."""

    tenant_id: str
    tenant_slug: str
    user_id: int
    email: str
    role: Role

    @classmethod
    def of(cls, membership: TenantUser) -> Joined:
        return cls(tenant_id=membership.tenant_id, tenant_slug=membership.tenant.slug,
                   user_id=membership.user_id, email=membership.user.email, role=membership.role)


def invitation_json(invitation: TenantInvitation, email_sent: bool | None = None) -> dict[str, Any]:
    data = Invitation.of(invitation, email_sent).model_dump(mode="json")
    if email_sent is None:
        del data["email_sent"]  # only answers that sent an email say how it went
    return data


@bp.tenant("/invitations", "members.read")
def list_invitations():
    """Pending invitations by default; `status` picks another state (or `all`)."""
    page, per_page = paging_args()
    status = query_choice("status", (*INVITATION_STATUSES, "all")) or "pending"
    listed = invitations.page_invitations(current_tenant, None if status == "all" else status, page, per_page)
    return jsonify(page_body(listed, invitation_json))


@bp.tenant("/invitations", "invitations.manage", methods=["POST"])
def invite():
    body = read_body(InvitationCreate)
    sent = invitations.invite(current_tenant, body.email, body.role or Role.MEMBER, current_authority())
    return jsonify(invitation_json(sent.invitation, sent.email_sent)), 201


@bp.tenant("/invitations/<invitation_id>", "invitations.manage", methods=["DELETE"])
def revoke(invitation_id: str):
    with _state_conflicts():
        invitation = invitations.revoke(current_tenant, _invitation_id(invitation_id), current_authority())
    return jsonify(invitation_json(invitation))


@bp.tenant("/invitations/<invitation_id>/resend", "invitations.manage", methods=["POST"])
def resend(invitation_id: str):
    with _state_conflicts():
        sent = invitations.resend(current_tenant, _invitation_id(invitation_id), current_authority())
    return jsonify(invitation_json(sent.invitation, sent.email_sent))


@bp.signed_in("/invitations/accept", methods=["POST"])
def accept():
    """The calling user (a user's token, for the invited address) joins the invitation's tenant."""
    body = read_body(InvitationAccept)
    membership = invitations.accept(body.token, calling_user(), current_authority())
    return jsonify(Joined.of(membership).model_dump(mode="json")), 201


@bp.public("/invitations/accept-new-account", methods=["POST"])
def accept_as_new_account():
    """Whoever holds the link makes the invited address's account (name, password) and joins."""
    body = read_body(InvitationAcceptNewAccount)
    _user, membership = invitations.accept_as_new_user(body.token, body.name, body.password, ip=request.remote_addr)
    return jsonify(Joined.of(membership).model_dump(mode="json")), 201


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
    return path_int(value, NotFound(gettext("Invitation not found."), code="invitation_not_found"))


_INVITATION_ID = {"name": "invitation_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": "^[0-9]+$"}}

OPENAPI_COMPONENTS = schemas(Invitation, InvitationCreate, InvitationAccept, InvitationAcceptNewAccount, Joined)

_ERRORS = {"409": {"$ref": "#/components/responses/Conflict"},
           "422": {"$ref": "#/components/responses/Validation"}}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/invitations": {
        "get": {
            "operationId": "listInvitations", "tags": ["invitations"], "summary": "The tenant's invitations.",
            "parameters": [TENANT_REF, {"$ref": "#/components/parameters/Page"},
                           {"$ref": "#/components/parameters/PerPage"},
                           {"name": "status", "in": "query",
                            "schema": {"type": "string", "enum": [*INVITATION_STATUSES, "all"],
                                       "default": "pending"}}],
            "responses": {"200": json_response("One page of invitations.", list_schema(ref("Invitation"))),
                          **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
        },
        "post": {
            "operationId": "createInvitation", "tags": ["invitations"], "summary": "Invite an email address.",
            "parameters": [TENANT_REF],
            "requestBody": json_request(ref("InvitationCreate")),
            "responses": {"201": json_response("The invitation (its link is emailed).", ref("Invitation")),
                          **tenant_responses(), **_ERRORS,
                          "413": {"$ref": "#/components/responses/PayloadTooLarge"}},
        },
    },
    "/api/v1/tenants/{tenant_ref}/invitations/{invitation_id}": {"delete": {
        "operationId": "revokeInvitation", "tags": ["invitations"], "summary": "Revoke a pending invitation.",
        "parameters": [TENANT_REF, _INVITATION_ID],
        "responses": {"200": json_response("The revoked invitation.", ref("Invitation")), **tenant_responses(),
                      **_ERRORS},
    }},
    "/api/v1/tenants/{tenant_ref}/invitations/{invitation_id}/resend": {"post": {
        "operationId": "resendInvitation", "tags": ["invitations"],
        "summary": "Send a fresh link and restart the expiry clock.",
        "parameters": [TENANT_REF, _INVITATION_ID],
        "responses": {"200": json_response("The invitation.", ref("Invitation")), **tenant_responses(), **_ERRORS},
    }},
    "/api/v1/invitations/accept": {"post": {
        "operationId": "acceptInvitation", "tags": ["invitations"],
        "summary": "Accept an invitation as the signed-in user it was sent to (a user's access token).",
        "x-content-checked": True,  # the token is judged by what it names: a well-shaped one may be 410
        "requestBody": json_request(ref("InvitationAccept")),
        "responses": {"201": json_response("The membership.", ref("Joined"), metered=False),
                      "400": {"$ref": "#/components/responses/BadRequest"},
                      "401": {"$ref": "#/components/responses/Unauthorized"},
                      "403": {"$ref": "#/components/responses/Forbidden"},
                      "409": {"$ref": "#/components/responses/Conflict"},
                      "410": {"$ref": "#/components/responses/InvitationInvalid"},
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
    "/api/v1/invitations/accept-new-account": {"post": {
        "operationId": "acceptInvitationWithNewAccount", "tags": ["invitations"],
        "summary": "Accept an invitation by creating the invited address's account.", "security": [],
        "x-content-checked": True,  # the token, and the password policy (length, not the email)
        "requestBody": json_request(ref("InvitationAcceptNewAccount")),
        "responses": {"201": json_response("The membership.", ref("Joined"), metered=False),
                      "400": {"$ref": "#/components/responses/BadRequest"},
                      "410": {"$ref": "#/components/responses/InvitationInvalid"},
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
