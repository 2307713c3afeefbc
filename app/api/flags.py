"""JSON API, platform admins: a tenant's feature-flag overrides (issue 17), the same service as the
admin console. What the tenant's product sees of them is GET /api/v1/tenants/current/features."""

from __future__ import annotations

from flask import jsonify
from pydantic import Field

from app.api import bp
from app.api.bodies import Boolean, MaybeMoment, Moment, RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, error_refs, json_request, json_response, ref
from app.models import TenantFlagOverride
from app.services import feature_flags, tenants
from app.services.feature_flags import FLAG_NAME_RE
from app.tenancy.principal import current_authority


class FlagOverride(ResponseBody):
    key: str
    enabled: bool
    expires_at: MaybeMoment = Field(description="When it stops applying; null: until cleared.")
    in_force: bool = Field(description="Whether it applies now (false once expired).")
    set_by: str
    note: str
    updated_at: Moment

    @classmethod
    def of(cls, override: TenantFlagOverride) -> FlagOverride:
        return cls(key=override.key, enabled=override.enabled, expires_at=override.expires_at,
                   in_force=feature_flags.in_force(override), set_by=override.set_by, note=override.note,
                   updated_at=override.updated_at)


class FlagOverrideList(ResponseBody):
    items: list[FlagOverride]


class FlagOverrideSet(RequestBody):
    enabled: Boolean
    expires_at: MaybeMoment = Field(None, description="Optional; in the future. Without an offset it is UTC.")
    note: text(feature_flags.NOTE_MAX_LENGTH) = ""


def _json(override: TenantFlagOverride) -> dict:
    return FlagOverride.of(override).model_dump(mode="json")


@bp.platform("/tenants/<tenant_ref>/flags")
def list_flag_overrides(tenant_ref: str):
    """Every override of the tenant, expired ones included."""
    tenant = tenants.get_tenant(tenant_ref)
    return jsonify({"items": [_json(o) for o in feature_flags.list_overrides(tenant)]})


@bp.platform("/tenants/<tenant_ref>/flags/<key>")
def get_flag_override(tenant_ref: str, key: str):
    return jsonify(_json(feature_flags.get_override(tenants.get_tenant(tenant_ref), key)))


@bp.platform("/tenants/<tenant_ref>/flags/<key>", methods=["PUT"])
def put_flag_override(tenant_ref: str, key: str):
    """Set the override (on or off, until an optional expiry), replacing any earlier one."""
    tenant = tenants.get_tenant(tenant_ref)
    body = read_body(FlagOverrideSet)
    override = feature_flags.set_override(tenant, key, body.enabled, current_authority(),
                                          expires_at=body.expires_at, note=body.note)
    return jsonify(_json(override))


@bp.platform("/tenants/<tenant_ref>/flags/<key>", methods=["DELETE"])
def delete_flag_override(tenant_ref: str, key: str):
    feature_flags.clear_override(tenants.get_tenant(tenant_ref), key, current_authority())
    return "", 204


OPENAPI_COMPONENTS = schemas(FlagOverride, FlagOverrideList, FlagOverrideSet)

_KEY = {"name": "key", "in": "path", "required": True, "description": "The flag key.",
        "schema": {"type": "string", "pattern": FLAG_NAME_RE.pattern}}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/flags": {"get": {
        "operationId": "listFlagOverrides", "tags": ["tenants"],
        "summary": "A tenant's feature-flag overrides, expired ones included (platform admins).",
        "parameters": [TENANT_REF],
        "responses": {"200": json_response("The overrides.", ref("FlagOverrideList"), metered=False),
                      **error_refs()},
    }},
    "/api/v1/tenants/{tenant_ref}/flags/{key}": {
        "get": {
            "operationId": "getFlagOverride", "tags": ["tenants"],
            "summary": "One feature-flag override of a tenant (platform admins).",
            "parameters": [TENANT_REF, _KEY],
            "responses": {"200": json_response("The override.", ref("FlagOverride"), metered=False),
                          **error_refs()},
        },
        "put": {
            "operationId": "setFlagOverride", "tags": ["tenants"],
            "summary": "Switch a flag on or off for a tenant, optionally until an expiry (platform admins).",
            "parameters": [TENANT_REF, _KEY], "requestBody": json_request(ref("FlagOverrideSet")),
            # An expiry must be in the future, and a tenant holds at most 64 flags.
            "x-content-checked": True,
            "responses": {"200": json_response("The override.", ref("FlagOverride"), metered=False),
                          **error_refs("413", "422")},
        },
        "delete": {
            "operationId": "clearFlagOverride", "tags": ["tenants"],
            "summary": "Clear a tenant's override of a flag (platform admins).",
            "parameters": [TENANT_REF, _KEY],
            "responses": {"204": {"description": "Cleared."}, **error_refs()},
        },
    },
}
