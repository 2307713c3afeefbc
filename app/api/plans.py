"""JSON API: the plan catalogue, and changing a tenant's plan."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.openapi import json_request, json_response, ref, tenant_responses
from app.api.payload import choice_field, json_body
from app.api.tenants import tenant_json
from app.models import PLAN_SEED, Plan
from app.services import plans
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "code": plan.code,
        "name": plan.name,
        "price_cents": plan.price_cents,
        "custom_price": plan.is_custom_priced,
        "limits": {"users": plan.max_users, "storage_bytes": plan.max_storage_bytes,
                   "api_calls_per_month": plan.max_api_calls_per_month},
    }


@bp.signed_in("/tenants/plans")
def list_plans():
    """The plans, cheapest first (limits: null = unlimited)."""
    return jsonify({"items": [plan_json(p) for p in plans.list_plans()]})


@bp.tenant("/change-plan", "plan.change", methods=["POST"])
def change_plan():
    """Upgrade at once; a downgrade that current usage exceeds is 409 naming what exceeds."""
    data = json_body(allowed={"new_plan"}, required={"new_plan"})
    new_plan = choice_field(data, "new_plan", [p.code for p in plans.list_plans()])
    tenant = plans.change_plan(current_tenant._get_current_object(), new_plan, current_authority())
    return jsonify(tenant_json(tenant))


OPENAPI_COMPONENTS = {
    "Plan": {
        "type": "object",
        "required": ["code", "name", "price_cents", "custom_price", "limits"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "price_cents": {"type": ["integer", "null"], "description": "Per month; null = custom (sales)."},
            "custom_price": {"type": "boolean"},
            "limits": {"type": "object", "required": ["users", "storage_bytes", "api_calls_per_month"],
                       "properties": {"users": {"type": ["integer", "null"]},
                                      "storage_bytes": {"type": ["integer", "null"]},
                                      "api_calls_per_month": {"type": ["integer", "null"]}}},
        },
    },
    "PlanChange": {
        "type": "object", "required": ["new_plan"], "additionalProperties": False,
        "properties": {"new_plan": {"type": "string", "enum": [p["code"] for p in PLAN_SEED]}},
    },
}

OPENAPI_PATHS = {
    "/api/v1/tenants/plans": {"get": {
        "operationId": "listPlans", "tags": ["plans"], "summary": "The plan catalogue.",
        "responses": {"200": json_response("The plans, cheapest first.", {
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref("Plan")}}}, metered=False),
            "401": {"$ref": "#/components/responses/Unauthorized"}},
    }},
    "/api/v1/tenants/{tenant_ref}/change-plan": {"post": {
        "operationId": "changePlan", "tags": ["plans"],
        "summary": "Move the tenant to another plan (Enterprise: platform admins only).",
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}],
        "requestBody": json_request(ref("PlanChange")),
        "responses": {"200": json_response("The tenant on its new plan.", ref("Tenant")), **tenant_responses(),
                      "409": {"$ref": "#/components/responses/Conflict"},
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
