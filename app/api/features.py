"""JSON API: the features the calling tenant has, for its own product to evaluate (issue 17)."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.bodies import ResponseBody, schemas
from app.api.openapi import TENANT_SOURCE_PARAMETERS, json_response, ref, tenant_responses
from app.services import entitlements
from app.tenancy.context import current_tenant


class TenantFeatures(ResponseBody):
    """Every plan feature with whether the plan includes it, and the tenant's feature flags."""

    plan: str
    entitlements: dict[str, bool]
    flags: dict[str, bool]


@bp.tenant("/tenants/current/features", "tenant.read", prefixed=False)
def current_features():
    """The resolved tenant's entitlements and flags (the OpenFeature provider reads this)."""
    tenant = current_tenant._get_current_object()
    evaluated = entitlements.evaluate(tenant)
    return jsonify(TenantFeatures(plan=tenant.plan_code, **evaluated).model_dump(mode="json"))


OPENAPI_COMPONENTS = schemas(TenantFeatures)

OPENAPI_PATHS = {
    "/api/v1/tenants/current/features": {"get": {
        "operationId": "getCurrentTenantFeatures", "tags": ["tenants"],
        "summary": "The resolved tenant's plan entitlements and feature flags.",
        "description": "The tenant is named as for GET /api/v1/tenants/current. `entitlements` lists every "
                       "feature of the catalogue (`sso`, `scim`, `custom_roles`, `audit_export`, `webhooks`) "
                       "with whether the plan includes it; `flags` the tenant's feature flags. "
                       "`app.integrations.openfeature.TenantryProvider` evaluates both through OpenFeature.",
        "parameters": TENANT_SOURCE_PARAMETERS,
        "responses": {"200": json_response("The features.", ref("TenantFeatures")),
                      **tenant_responses(tenant_sources=True)},
    }},
}
