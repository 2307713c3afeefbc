"""JSON API: the plan catalogue, and changing a tenant's plan."""

from __future__ import annotations

from flask import jsonify
from pydantic import Field

from app.api import bp
from app.api.billing import PlanPreview
from app.api.bodies import Boolean, PlanCode, RequestBody, ResponseBody, read_body, schemas
from app.api.openapi import json_request, json_response, ref, tenant_responses
from app.api.tenants import tenant_json
from app.billing import subscriptions
from app.models import Plan as PlanRow
from app.services import entitlements, plans
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority


class PlanLimits(ResponseBody):
    """A plan's limits; null = unlimited."""

    users: int | None
    storage_bytes: int | None
    api_calls_per_month: int | None


class Plan(ResponseBody):
    code: str
    name: str
    price_cents: int | None = Field(description="Per month; null = custom (sales).")
    custom_price: bool
    limits: PlanLimits
    entitlements: list[str] = Field(description="The features the plan includes (`sso`, `scim`, `custom_roles`, "
                                                "`audit_export`, `webhooks`).")

    @classmethod
    def of(cls, plan: PlanRow) -> Plan:
        return cls(code=plan.code, name=plan.name, price_cents=plan.price_cents, custom_price=plan.is_custom_priced,
                   limits=PlanLimits(users=plan.max_users, storage_bytes=plan.max_storage_bytes,
                                     api_calls_per_month=plan.max_api_calls_per_month),
                   entitlements=[f.key for f in entitlements.plan_features(plan)])


class PlanList(ResponseBody):
    items: list[Plan]


class PlanChange(RequestBody):
    new_plan: PlanCode
    override_limits: Boolean = Field(False, description="Platform admins: move even though current usage exceeds "
                                                     "the new plan's limits (audited). Others: 403.")
    preview: Boolean = Field(False, description="Answer what the change would do (price, charged today, next "
                                             "invoice, limits and overages) and change nothing.")


@bp.signed_in("/tenants/plans")
def list_plans():
    """The plans, cheapest first (limits: null = unlimited)."""
    return jsonify(PlanList(items=[Plan.of(p) for p in plans.list_plans()]).model_dump(mode="json"))


@bp.tenant("/change-plan", "plan.change", methods=["POST"])
def change_plan():
    """Billing's rules (docs/billing.md): an upgrade at once, prorated; a downgrade at the period end
    (409 naming what exceeds when usage does not fit). `"preview": true` changes nothing."""
    body = read_body(PlanChange)
    tenant = current_tenant._get_current_object()
    if body.preview:
        return jsonify(PlanPreview.of(subscriptions.preview_change(tenant, body.new_plan)).model_dump(mode="json"))
    subscriptions.change_plan(tenant, body.new_plan, current_authority(), override_limits=body.override_limits)
    return jsonify(tenant_json(tenant))


OPENAPI_COMPONENTS = schemas(Plan, PlanList, PlanChange)

OPENAPI_PATHS = {
    "/api/v1/tenants/plans": {"get": {
        "operationId": "listPlans", "tags": ["plans"], "summary": "The plan catalogue.",
        "responses": {"200": json_response("The plans, cheapest first.", ref("PlanList"), metered=False),
                      "401": {"$ref": "#/components/responses/Unauthorized"}},
    }},
    "/api/v1/tenants/{tenant_ref}/change-plan": {"post": {
        "operationId": "changePlan", "tags": ["plans"],
        "summary": "Move the tenant to another plan (Enterprise: platform admins only), or preview the move.",
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}],
        "requestBody": json_request(ref("PlanChange")),
        "responses": {"200": json_response("The tenant (a downgrade waits for the period end), or with "
                                           "`preview` what the change would do.",
                                           {"anyOf": [ref("Tenant"), ref("PlanPreview")]}), **tenant_responses(),
                      "409": {"$ref": "#/components/responses/Conflict"},
                      "413": {"$ref": "#/components/responses/PayloadTooLarge"},
                      "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
