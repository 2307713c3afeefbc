"""JSON API: a tenant's beta features (issue 17). The tenant lists the betas it is allowed and
switches them on or off; platform admins and platform keys see every beta and allow or disallow it.
The rules are `services.beta_features`'; what the tenant's product then sees is
GET /api/v1/tenants/current/features."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext
from pydantic import ConfigDict, Field

from app.api import bp
from app.api.bodies import Boolean, MaybeMoment, RequestBody, ResponseBody, read_body, schemas
from app.api.openapi import TENANT_REF, json_request, json_response, ref, response_refs, tenant_responses
from app.services import beta_features
from app.services.beta_features import BetaState
from app.services.errors import ValidationError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"


class BetaFeature(ResponseBody):
    key: str
    label: str
    description: str
    allowed: bool = Field(description="Allowed for the tenant by a platform admin (the tenant sees only these).")
    enabled: bool = Field(description="Switched on by the tenant; then a flag `true` in the evaluation API.")
    changed_at: MaybeMoment = Field(description="The last change; null: never touched.")
    changed_by: str | None = None

    @classmethod
    def of(cls, state: BetaState) -> BetaFeature:
        return cls(key=state.key, label=state.feature.label, description=state.feature.description,
                   allowed=state.allowed, enabled=state.enabled, changed_at=state.changed_at,
                   changed_by=state.changed_by)


class BetaFeatureList(ResponseBody):
    items: list[BetaFeature]


class BetaFeatureChange(RequestBody):
    """`enabled` (the tenant, permission `settings.update`) and/or `allowed` (platform admins only)."""

    model_config = ConfigDict(json_schema_extra={"minProperties": 1})

    enabled: Boolean = Field(None, description="Switch the beta on or off; it must be allowed.")
    allowed: Boolean = Field(None, description="Platform admins: allow the beta, or withdraw it (which "
                                               "also switches it off).")


def _json(state: BetaState) -> dict:
    return BetaFeature.of(state).model_dump(mode="json")


@bp.tenant("/beta-features", "tenant.read")
def list_beta_features():
    """The tenant's betas: the allowed ones, or for platform admins every beta of the catalogue."""
    states = beta_features.list_for(current_tenant._get_current_object(), current_authority())
    return jsonify({"items": [_json(state) for state in states]})


@bp.tenant("/beta-features/<key>", "settings.update", methods=["PATCH"])
def change_beta_feature(key: str):
    """Allow or withdraw (platform admins), then switch on or off (the tenant), in that order."""
    body = read_body(BetaFeatureChange)
    if body.allowed is None and body.enabled is None:
        message = gettext("Send enabled, or allowed (platform admins).")
        raise ValidationError(message, field="enabled", details={"fields": {"enabled": [message]}})
    tenant, authority = current_tenant._get_current_object(), current_authority()
    state = None
    if body.allowed is not None:
        state = beta_features.allow(tenant, key, body.allowed, authority)
    if body.enabled is not None:
        state = beta_features.set_enabled(tenant, key, body.enabled, authority)
    return jsonify(_json(state))


OPENAPI_COMPONENTS = schemas(BetaFeature, BetaFeatureList, BetaFeatureChange)

_KEY = {"name": "key", "in": "path", "required": True, "description": "The beta's key (`new_editor` ...).",
        "schema": {"type": "string", "pattern": KEY_PATTERN}}
_WRITE_ERRORS = response_refs("413", "422")

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/beta-features": {"get": {
        "operationId": "listBetaFeatures", "tags": ["tenants"],
        "summary": "The tenant's beta features: those allowed to it (platform admins: every beta).",
        "parameters": [TENANT_REF],
        "responses": {"200": json_response("The betas.", ref("BetaFeatureList")), **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/beta-features/{key}": {"patch": {
        "operationId": "changeBetaFeature", "tags": ["tenants"],
        "summary": "Switch a beta on or off (`enabled`, permission settings.update; it must be allowed), "
                   "or allow or withdraw it (`allowed`, platform admins).",
        "description": "An enabled beta is a flag `true` under its key in GET /api/v1/tenants/current/features; "
                       "a platform flag override of the same key wins. Withdrawing a beta switches it off. "
                       "403 `beta_not_allowed` when the beta is not allowed; 422 for a key that is not a beta.",
        "parameters": [TENANT_REF, _KEY],
        "requestBody": json_request(ref("BetaFeatureChange"), example={"enabled": True}),
        # A well-shaped body may still be refused: a key outside the catalogue (422), a beta not allowed (403).
        "x-content-checked": True,
        "responses": {"200": json_response("The beta as the tenant now has it.", ref("BetaFeature")),
                      **tenant_responses(), **_WRITE_ERRORS},
    }},
}

OPENAPI_LINKS = [
    ("listBetaFeatures", "200", {"key": "$response.body#/items/0/key"}, ("changeBetaFeature",)),
]
