"""JSON API, platform admins: a tenant's lifecycle beyond status: restore, purge, trials, custom quotas.

These mirror the admin console's tenant page (`/admin/tenants/<id>`), through the same services.
Suspending and reactivating are `PATCH /tenants/{id}` with `status`; overriding a blocked downgrade
is `override_limits` on `POST /tenants/{id}/change-plan`.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import current_app, jsonify
from flask_babel import gettext
from pydantic import Field, PlainValidator, WithJsonSchema

from app.api import bp
from app.api.bodies import Integer, RequestBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, error_refs, json_request, json_response, ref
from app.api.tenants import tenant_json
from app.api.usage import quota_json
from app.services import quotas, tenants
from app.services.errors import ValidationError
from app.tenancy.principal import current_authority

MAX_LIMIT = quotas.MAX_CUSTOM_LIMIT  # what set_custom_limits accepts (2**53; the column is a BIGINT)



def _limit_override(value: Any) -> int | str | None:
    if value is None or value == "plan":
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON has one number type: 5.0 is the integer 5
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_LIMIT:
        raise ValueError(gettext('must be a whole number of zero or more, null (unlimited) or "plan"'))
    return value


# A limit override: a number (storage in bytes), null for unlimited, or "plan" to drop the override.
# One validator rather than a union, so a bad value gets one message naming the three choices.
LimitOverride = Annotated[int | str | None, PlainValidator(_limit_override), WithJsonSchema({"anyOf": [
    {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT}, {"const": "plan"}, {"type": "null"}]})]


class TrialExtension(RequestBody):
    days: Integer = Field(ge=tenants.TRIAL_EXTENSION_DAYS[0], le=tenants.TRIAL_EXTENSION_DAYS[1],
                      description="Days added to the trial's end (or to now, if it has ended).")


class PurgeConfirmation(RequestBody):
    confirm_slug: text(63, blank=False) = Field(description="The tenant's slug, typed again: purging cannot be undone.")


class QuotaOverrides(RequestBody):
    """Each limit sent is set: a number, null (unlimited) or "plan" (back to the plan's). Absent: unchanged.

    Overrides are a deal with the tenant, not with its plan: they keep applying after a plan change,
    and a downgrade is judged against them (docs/api.md, "Plans and custom quotas")."""

    users: LimitOverride = None
    storage: LimitOverride = Field(None, description="Bytes.")
    api_calls: LimitOverride = Field(None, description="Calls per UTC month.")


def _platform_tenant(tenant_ref: str):
    return tenants.get_tenant(tenant_ref)


@bp.platform("/tenants/<tenant_ref>/restore", methods=["POST"])
def restore_tenant(tenant_ref: str):
    """Undo a soft delete within the grace period (DELETED_TENANT_GRACE_DAYS)."""
    tenant = tenants.restore(_platform_tenant(tenant_ref), current_authority(),
                             current_app.config["DELETED_TENANT_GRACE_DAYS"])
    return jsonify(tenant_json(tenant))


@bp.platform("/tenants/<tenant_ref>/purge", methods=["POST"])
def purge_tenant(tenant_ref: str):
    """Remove a deleted tenant and all it owns for good (the audit trail stays)."""
    tenant = _platform_tenant(tenant_ref)
    body = read_body(PurgeConfirmation)
    if body.confirm_slug.strip() != tenant.slug:
        raise ValidationError(gettext("Type the slug %(slug)s exactly to purge.", slug=tenant.slug),
                              field="confirm_slug")
    tenants.purge(tenant, current_authority())
    return "", 204


@bp.platform("/tenants/<tenant_ref>/extend-trial", methods=["POST"])
def extend_trial(tenant_ref: str):
    tenant = _platform_tenant(tenant_ref)
    body = read_body(TrialExtension)
    return jsonify(tenant_json(tenants.extend_trial(tenant, body.days, current_authority())))


@bp.platform("/tenants/<tenant_ref>/quotas", methods=["PATCH"])
def set_quotas(tenant_ref: str):
    """Set or clear custom limits; answers the quota report with the new limits."""
    tenant = _platform_tenant(tenant_ref)
    body = read_body(QuotaOverrides)
    quotas.set_custom_limits(tenant, body.model_dump(exclude_unset=True), current_authority())
    return jsonify(quota_json(tenant))


OPENAPI_COMPONENTS = schemas(TrialExtension, PurgeConfirmation, QuotaOverrides)



OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/restore": {"post": {
        "operationId": "restoreTenant", "tags": ["tenants"],
        "summary": "Restore a deleted tenant within the grace period (platform admins).",
        "parameters": [TENANT_REF],
        "responses": {"200": json_response("The restored tenant.", ref("Tenant"), metered=False),
                      **error_refs("409")},
    }},
    "/api/v1/tenants/{tenant_ref}/purge": {"post": {
        "operationId": "purgeTenant", "tags": ["tenants"],
        "summary": "Purge a deleted tenant for good (platform admins); the audit trail stays.",
        "parameters": [TENANT_REF], "requestBody": json_request(ref("PurgeConfirmation")),
        # The slug typed must be this tenant's: a well-shaped body may still be a 422.
        "x-content-checked": True,
        "responses": {"204": {"description": "Purged."}, **error_refs("409", "413", "422")},
    }},
    "/api/v1/tenants/{tenant_ref}/extend-trial": {"post": {
        "operationId": "extendTrial", "tags": ["tenants"],
        "summary": "Extend a trial (or revive an expired one) by some days (platform admins).",
        "parameters": [TENANT_REF], "requestBody": json_request(ref("TrialExtension")),
        "responses": {"200": json_response("The tenant on its longer trial.", ref("Tenant"), metered=False),
                      **error_refs("409", "413", "422")},
    }},
    "/api/v1/tenants/{tenant_ref}/quotas": {"patch": {
        "operationId": "setQuotaOverrides", "tags": ["quota"],
        "summary": "Set or clear a tenant's custom limits (platform admins).",
        "parameters": [TENANT_REF], "requestBody": json_request(ref("QuotaOverrides")),
        "responses": {"200": json_response("The quota report with the new limits.", ref("Quota"), metered=False),
                      **error_refs("413", "422")},
    }},
}
