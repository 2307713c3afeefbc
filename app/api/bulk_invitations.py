"""JSON API: invite many addresses at once, with a preview of each row's outcome."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from pydantic import Field

from app.api import bp
from app.api.bodies import RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import json_request, json_response, ref, tenant_responses
from app.models import Role
from app.services import bulk_invitations
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority

BulkText = text(bulk_invitations.MAX_BYTES)
Outcome = Literal[bulk_invitations.OUTCOMES]  # type: ignore[valid-type]


class BulkInvitationRequest(RequestBody):
    text: BulkText = Field(
        description="Pasted addresses or CSV text: one `email[,role]` per line, an `email,role` header allowed; "
                    f"at most {bulk_invitations.MAX_ROWS} rows.")
    default_role: Role | None = Field(None, description="The role of rows without one. Default: member.")
    preview: bool = Field(False, description="Only say what would happen to each row; send nothing.")


class BulkInvitationRow(ResponseBody):
    line: int
    email: str
    role: str
    outcome: Outcome
    message: str
    invitation_id: int | None
    email_sent: bool | None


class BulkInvitationResult(ResponseBody):
    """Each row's outcome; `sent` is false for a preview."""

    sent: bool
    counts: dict[str, int]
    rows: list[BulkInvitationRow]


@bp.tenant("/invitations/bulk", "invitations.manage", methods=["POST"])
def bulk_invite():
    """Preview (`"preview": true`) or send: the rows that fit are invited in one transaction."""
    body = read_body(BulkInvitationRequest)
    rows = bulk_invitations.parse(body.text, body.default_role or Role.MEMBER, field_name="text")
    if body.preview:
        result = bulk_invitations.preview(current_tenant, rows, current_authority())
    else:
        result = bulk_invitations.send(current_tenant, rows, current_authority())
    return jsonify(result.to_dict()), 200


OPENAPI_COMPONENTS = schemas(BulkInvitationRequest, BulkInvitationResult)

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/invitations/bulk": {"post": {
        "operationId": "bulkInviteInvitations", "tags": ["invitations"],
        "summary": "Invite many addresses (or preview what would happen to each).",
        # The text is parsed on its merits (empty input, too many rows): a well-shaped body may get a 422.
        "x-content-checked": True,
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}],
        "requestBody": json_request(ref("BulkInvitationRequest")),
        "responses": {"200": json_response("Each row's outcome.", ref("BulkInvitationResult")),
                      **tenant_responses(), "409": {"$ref": "#/components/responses/Conflict"},
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
