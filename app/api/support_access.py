"""JSON API: support access approved by the customer (issue 17), the portal's Settings -> Support access
and the admin tenant page's panel, through the same service (`services.support_access`).

Owners list, approve, deny and revoke grants and make standing ones; platform admins (and platform
keys) ask for access, or take break-glass access. Using a grant is a browser session (viewing the
portal as the owner), so it has no API mirror: an API caller acts with its own key or token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, error_refs, json_request, json_response, ref, tenant_responses
from app.api.params import path_int
from app.models import SUPPORT_ACCESS_LEVELS, SUPPORT_ACCESS_STATUSES, SupportAccessGrant
from app.services import support_access, tenants
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority, current_principal

Level = Literal[SUPPORT_ACCESS_LEVELS]  # type: ignore[valid-type]
Reason = text(support_access.REASON_MAX_LENGTH, blank=False)


class SupportAccessGrantBody(ResponseBody):
    id: int
    tenant_id: str
    status: Literal[SUPPORT_ACCESS_STATUSES] = Field(description="As of now: an approved grant past its expiry is `expired`.")  # type: ignore[valid-type]
    level: Level
    reason: str
    admin: str | None = Field(description="The admin the grant is for; null: any platform admin.")
    requested_by: str
    duration_minutes: int
    standing: bool
    break_glass: bool
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    expires_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, grant: SupportAccessGrant) -> SupportAccessGrantBody:
        return cls(id=grant.id, tenant_id=grant.tenant_id, status=support_access.effective_status(grant),
                   level=grant.level, reason=grant.reason, admin=grant.admin_label or None,
                   requested_by=grant.created_by_label, duration_minutes=grant.duration_minutes,
                   standing=grant.standing, break_glass=grant.break_glass, created_at=grant.created_at,
                   decided_by=grant.decided_by_label, decided_at=grant.decided_at, expires_at=grant.expires_at,
                   ended_at=grant.ended_at)


class StandingAccess(RequestBody):
    reason: Reason
    level: Level = "read_only"
    days: int = Field(7, ge=1, le=support_access.STANDING_MAX_DAYS, description="How long the access lasts.")


class SupportAccessRequest(RequestBody):
    reason: Reason = Field(description="Why support needs access; the owners read it.")
    level: Level = "read_only"
    duration_minutes: int = Field(60, ge=support_access.MIN_MINUTES, le=support_access.MAX_MINUTES,
                                  description="How long the access lasts from the owners' approval (break-glass: at most 240).")
    break_glass: bool = Field(False, description="Emergency: approved at once, the owners emailed immediately, "
                                                 "flagged on the admin overview.")


def grant_json(grant: SupportAccessGrant) -> dict:
    return SupportAccessGrantBody.of(grant).model_dump(mode="json")


def _grant_id(value: str) -> int:
    return path_int(value, NotFound(gettext("Support access grant not found."), code="support_access_not_found"))


@bp.tenant("/support-access", "support_access.manage")
def list_support_access():
    return jsonify({"items": [grant_json(g) for g in support_access.list_grants(current_tenant._get_current_object())]})


@bp.tenant("/support-access", "support_access.manage", methods=["POST"])
def grant_standing_access():
    body = read_body(StandingAccess)
    grant = support_access.grant_standing(current_tenant._get_current_object(), current_authority(),
                                          reason=body.reason, level=body.level, days=body.days)
    return jsonify(grant_json(grant)), 201


@bp.tenant("/support-access/<grant_id>/approve", "support_access.manage", methods=["POST"])
def approve_support_access(grant_id: str):
    grant = support_access.approve(current_tenant._get_current_object(), _grant_id(grant_id), current_authority())
    return jsonify(grant_json(grant))


@bp.tenant("/support-access/<grant_id>/deny", "support_access.manage", methods=["POST"])
def deny_support_access(grant_id: str):
    grant = support_access.deny(current_tenant._get_current_object(), _grant_id(grant_id), current_authority())
    return jsonify(grant_json(grant))


@bp.tenant("/support-access/<grant_id>/revoke", "support_access.manage", methods=["POST"])
def revoke_support_access(grant_id: str):
    grant = support_access.revoke(current_tenant._get_current_object(), _grant_id(grant_id), current_authority())
    return jsonify(grant_json(grant))


@bp.platform("/tenants/<tenant_ref>/support-access/requests", methods=["POST"])
def request_support_access(tenant_ref: str):
    """A platform admin (their token) or platform key asks the owners, or breaks glass."""
    tenant = tenants.get_tenant(tenant_ref)
    body = read_body(SupportAccessRequest)
    principal = current_principal()
    admin = principal.user if principal.user is not None else None
    if admin is None and principal.api_key is not None and principal.api_key.created_by_id is not None:
        from app.extensions import db
        from app.models import User

        admin = db.session.get(User, principal.api_key.created_by_id)
    take = support_access.break_glass if body.break_glass else support_access.request_access
    grant = take(tenant, admin, reason=body.reason, duration_minutes=body.duration_minutes, level=body.level,
                 actor=current_authority())
    return jsonify(grant_json(grant)), 201


_GRANT_ID = {"name": "grant_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"},
             "description": "The support-access grant's id."}
_GRANT = json_response("The grant.", ref("SupportAccessGrant"))
_LIST = json_response("The tenant's grants, newest first.", {
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": ref("SupportAccessGrant")}}})


def _decision(operation_id: str, summary: str) -> dict:
    return {"post": {
        "operationId": operation_id, "tags": ["support-access"], "summary": summary,
        "parameters": [TENANT_REF, _GRANT_ID],
        "responses": {"200": _GRANT, **tenant_responses(), "409": {"$ref": "#/components/responses/Conflict"}},
    }}


OPENAPI_COMPONENTS = {**schemas(StandingAccess, SupportAccessRequest),
                      "SupportAccessGrant": schemas(SupportAccessGrantBody)["SupportAccessGrantBody"]}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/support-access": {
        "get": {
            "operationId": "listSupportAccess", "tags": ["support-access"],
            "summary": "Platform support's requests and grants for this tenant (owners).",
            "parameters": [TENANT_REF], "responses": {"200": _LIST, **tenant_responses()},
        },
        "post": {
            "operationId": "grantStandingSupportAccess", "tags": ["support-access"],
            "summary": "Let any platform admin in for `days` days without asking each time (owners, not while "
                       "viewed by support).",
            "parameters": [TENANT_REF], "requestBody": json_request(ref("StandingAccess")),
            "x-content-checked": True,
            "responses": {"201": json_response("The standing grant.", ref("SupportAccessGrant")), **tenant_responses(),
                          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                          "422": {"$ref": "#/components/responses/Validation"}},
        },
    },
    "/api/v1/tenants/{tenant_ref}/support-access/{grant_id}/approve": _decision(
        "approveSupportAccess", "Approve a request: the access lasts its duration from now (owners)."),
    "/api/v1/tenants/{tenant_ref}/support-access/{grant_id}/deny": _decision(
        "denySupportAccess", "Deny a request (owners)."),
    "/api/v1/tenants/{tenant_ref}/support-access/{grant_id}/revoke": _decision(
        "revokeSupportAccess", "End a grant, or withdraw a request, at once; a session using it ends on its next request."),
    "/api/v1/tenants/{tenant_ref}/support-access/requests": {"post": {
        "operationId": "requestSupportAccess", "tags": ["support-access"],
        "summary": "Ask the tenant's owners for support access (platform admins); they are emailed. "
                   "`break_glass`: approved at once, owners told immediately.",
        "parameters": [TENANT_REF], "requestBody": json_request(ref("SupportAccessRequest")),
        "x-content-checked": True,
        "responses": {"201": json_response("The request (or break-glass grant).", ref("SupportAccessGrant"), metered=False),
                      **error_refs("413", "422")},
    }},
}

OPENAPI_LINKS = [
    ("requestSupportAccess", "201", {"grant_id": "$response.body#/id"},
     ("approveSupportAccess", "denySupportAccess", "revokeSupportAccess")),
    ("listSupportAccess", "200", {"grant_id": "$response.body#/items/0/id"},
     ("approveSupportAccess", "denySupportAccess", "revokeSupportAccess")),
]
