"""JSON API: "Require SSO" and its break-glass (mirrors Settings → Single sign-on and the admin console).

Owners switch the requirement on or off and replace the recovery code; platform admins lift the
requirement (a tenant locked out by a broken IdP) and switch a tenant's connection off or on. The
same services as the portal (`sso.enforcement`, `sso.connections`), so the same audit events.

A recovery code is answered once, by the call that creates it, and never again: only its hash is kept.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import Field

from app.api import bp
from app.api.bodies import Boolean, RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, json_request, json_response, ref, response_refs, tenant_responses
from app.api.sso import _CONNECTION_ID, _connection_id, connection_json
from app.models import Tenant
from app.services import tenants
from app.services.errors import Conflict, ValidationError
from app.services.sso import connections, enforcement
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority

REASON_MAX_LENGTH = enforcement.BREAK_GLASS_REASON_MAX_LENGTH


class SsoRequirementChange(RequestBody):
    require_sso: Boolean = Field(description="true: members sign in only through the tenant's SSO; owners keep "
                                             "a recovery code for when the IdP fails.")


class SsoRequirementLift(RequestBody):
    reason: text(REASON_MAX_LENGTH, blank=False) = Field(description="Why: it goes into the tenant's audit trail.")


class SsoRequirement(ResponseBody):
    require_sso: bool
    recovery_code_set: bool = Field(description="Whether a recovery code exists (it is never shown again).")
    recovery_code: str | None = Field(None, description="Only in the answer that created it: keep it safe.")


def requirement_json(tenant: Tenant, recovery_code: str | None = None) -> dict[str, Any]:
    return SsoRequirement(require_sso=bool(tenant.config.require_sso),
                          recovery_code_set=tenant.config.sso_recovery_code_hash is not None,
                          recovery_code=recovery_code).model_dump(mode="json")


def _state_conflict(exc: ValidationError) -> Conflict:
    """The tenant's state (no usable connection; SSO not required), not the request, is what is wrong."""
    return Conflict(exc.message, field=exc.field, code=exc.code)


@bp.tenant("/sso/requirement", "sso.manage")
def get_sso_requirement():
    return jsonify(requirement_json(current_tenant))


@bp.tenant("/sso/requirement", "sso.manage", methods=["PATCH"])
def update_sso_requirement():
    """Owners: on needs a usable connection (409 `sso_no_connection`) and answers a new recovery code."""
    body = read_body(SsoRequirementChange)
    try:
        code = enforcement.set_require_sso(current_tenant, body.require_sso, current_authority())
    except ValidationError as exc:
        raise _state_conflict(exc) from None
    return jsonify(requirement_json(current_tenant, code))


@bp.tenant("/sso/recovery-code", "sso.manage", methods=["POST"])
def create_sso_recovery_code():
    """Owners: a new recovery code replaces the old one (409 `sso_not_required` when SSO is not required)."""
    try:
        code = enforcement.new_recovery_code(current_tenant, current_authority())
    except ValidationError as exc:
        raise _state_conflict(exc) from None
    return jsonify(requirement_json(current_tenant, code)), 201


@bp.platform("/tenants/<tenant_ref>/sso/lift-requirement", methods=["POST"])
def lift_sso_requirement(tenant_ref: str):
    """Platform admins' break-glass: the tenant's members may sign in with a password again."""
    tenant = tenants.get_tenant(tenant_ref)
    body = read_body(SsoRequirementLift)
    enforcement.lift_requirement(tenant, current_authority(), body.reason)
    return jsonify(requirement_json(tenant))


def _switch(tenant_ref: str, connection_id: str, disabled: bool):
    tenant = tenants.get_tenant(tenant_ref)
    # Looked up within the named tenant: another tenant's connection id is simply not found.
    connection = connections.get_connection(tenant, _connection_id(connection_id))
    return jsonify(connection_json(connections.set_platform_disabled(connection, disabled, current_authority())))


@bp.platform("/tenants/<tenant_ref>/sso/connections/<connection_id>/platform-disable", methods=["POST"])
def platform_disable_connection(tenant_ref: str, connection_id: str):
    """Switch a connection off for the tenant; its admins cannot switch it back on."""
    return _switch(tenant_ref, connection_id, True)


@bp.platform("/tenants/<tenant_ref>/sso/connections/<connection_id>/platform-enable", methods=["POST"])
def platform_enable_connection(tenant_ref: str, connection_id: str):
    """Undo a platform switch-off (the connection's own status is unchanged)."""
    return _switch(tenant_ref, connection_id, False)


# --- OpenAPI ------------------------------------------------------------------------------------

OPENAPI_COMPONENTS = schemas(SsoRequirementChange, SsoRequirementLift, SsoRequirement)

_WRITE_ERRORS = response_refs("409", "413", "422")
_PLATFORM_ERRORS = {"400": {"$ref": "#/components/responses/BadRequest"},
                    "401": {"$ref": "#/components/responses/Unauthorized"},
                    "403": {"$ref": "#/components/responses/Forbidden"},
                    "404": {"$ref": "#/components/responses/NotFound"}}
_CREATED_CODE = {"require_sso": True, "recovery_code_set": True, "recovery_code": "3f9a1c-7be204-d55e81-0c4a9f-26b7e3"}


def _with_example(response: dict[str, Any], example: dict[str, Any]) -> dict[str, Any]:
    response["content"]["application/json"]["example"] = example
    return response


def _platform_switch(operation_id: str, summary: str) -> dict[str, Any]:
    return {"post": {
        "operationId": operation_id, "tags": ["sso"], "summary": summary,
        "parameters": [TENANT_REF, _CONNECTION_ID],
        "responses": {"200": json_response("The connection.", ref("SsoConnection"), metered=False),
                      **_PLATFORM_ERRORS},
    }}


OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/sso/requirement": {
        "get": {"operationId": "getSsoRequirement", "tags": ["sso"],
                "summary": "Whether members must sign in through SSO.", "parameters": [TENANT_REF],
                "responses": {"200": json_response("The requirement.", ref("SsoRequirement")), **tenant_responses()}},
        "patch": {"operationId": "updateSsoRequirement", "tags": ["sso"],
                  "summary": "Require SSO, or stop requiring it (owners); switching it on answers a recovery "
                             "code, once.", "parameters": [TENANT_REF],
                  "requestBody": json_request(ref("SsoRequirementChange"), example={"require_sso": True}),
                  "responses": {"200": _with_example(json_response("The requirement (with the new recovery code "
                                                                   "when it was switched on).", ref("SsoRequirement")),
                                                     _CREATED_CODE),
                                **tenant_responses(), **_WRITE_ERRORS}},
    },
    "/api/v1/tenants/{tenant_ref}/sso/recovery-code": {"post": {
        "operationId": "createSsoRecoveryCode", "tags": ["sso"],
        "summary": "Replace the owners' recovery code (the old one stops working); answered once.",
        "parameters": [TENANT_REF],
        "responses": {"201": _with_example(json_response("The requirement with the new code.", ref("SsoRequirement")),
                                           _CREATED_CODE),
                      **tenant_responses(), "409": {"$ref": "#/components/responses/Conflict"}}}},
    "/api/v1/tenants/{tenant_ref}/sso/lift-requirement": {"post": {
        "operationId": "liftSsoRequirement", "tags": ["sso"],
        "summary": "Break-glass (platform admins): password sign-in works again for the tenant's members.",
        "parameters": [TENANT_REF],
        "requestBody": json_request(ref("SsoRequirementLift"), example={
            "reason": "Their IdP is down; ticket 4211, confirmed by phone with the owner."}),
        "responses": {"200": json_response("The requirement, now off.", ref("SsoRequirement"), metered=False),
                      **_PLATFORM_ERRORS, "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}}}},
    "/api/v1/tenants/{tenant_ref}/sso/connections/{connection_id}/platform-disable": _platform_switch(
        "platformDisableSsoConnection", "Switch a tenant's connection off (platform admins); its admins cannot "
                                        "undo it."),
    "/api/v1/tenants/{tenant_ref}/sso/connections/{connection_id}/platform-enable": _platform_switch(
        "platformEnableSsoConnection", "Let a tenant use a connection the platform switched off."),
}

OPENAPI_LINKS = [
    ("createSsoConnection", "201", {"connection_id": "$response.body#/id"},
     ("platformDisableSsoConnection", "platformEnableSsoConnection")),
    ("listSsoConnections", "200", {"connection_id": "$response.body#/items/0/id"},
     ("platformDisableSsoConnection", "platformEnableSsoConnection")),
]
