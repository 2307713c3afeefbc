"""JSON API: a tenant's quotas (limits, usage, remaining) and its daily API calls."""

from __future__ import annotations

import datetime as dt

from flask import jsonify
from pydantic import Field

from app.api import bp
from app.api.bodies import Moment, ResponseBody, schemas
from app.api.openapi import json_response, ref, tenant_responses
from app.models import Tenant
from app.services import quotas, usage
from app.tenancy.context import current_tenant

USAGE_DAYS = 30


class QuotaLine(ResponseBody):
    limit: int | None = Field(description="null = unlimited.")
    used: int
    remaining: int | None


class QuotaLines(ResponseBody):
    """Storage in bytes; api_calls this UTC month."""

    users: QuotaLine
    storage: QuotaLine
    api_calls: QuotaLine


class PlanName(ResponseBody):
    code: str
    name: str


class Period(ResponseBody):
    start: Moment
    end: Moment


class Quota(ResponseBody):
    tenant_id: str
    plan: PlanName
    period: Period
    quotas: QuotaLines


class DailyCalls(ResponseBody):
    date: dt.date
    calls: int


class Usage(ResponseBody):
    tenant_id: str
    days: list[DailyCalls]
    month_to_date: int
    limit: int | None


def quota_json(tenant: Tenant) -> dict:
    """The quota report of `tenant`, as GET /quota answers it."""
    start, end = usage.period_bounds()
    lines = {line.resource: QuotaLine(limit=line.limit, used=line.used, remaining=line.remaining)
             for line in quotas.quota_report(tenant)}
    report = Quota(tenant_id=tenant.id, plan=PlanName(code=tenant.plan.code, name=tenant.plan.name),
                   period=Period(start=start, end=end), quotas=QuotaLines(**lines))
    return report.model_dump(mode="json")


@bp.tenant("/quota", "quota.read")
def quota():
    """The plan, each limit (null = unlimited), usage, remaining, and the current period (UTC month)."""
    return jsonify(quota_json(current_tenant._get_current_object()))


@bp.tenant("/usage", "usage.read")
def daily_usage():
    """API calls per UTC day for the last 30 days (oldest first), and this month's total."""
    tenant = current_tenant._get_current_object()
    days = [DailyCalls(date=day, calls=calls) for day, calls in usage.daily_calls(tenant.id, USAGE_DAYS)]
    report = Usage(tenant_id=tenant.id, days=days, month_to_date=usage.api_calls_this_month(tenant.id),
                   limit=quotas.limits_for(tenant)["api_calls"])
    return jsonify(report.model_dump(mode="json"))


OPENAPI_COMPONENTS = schemas(Quota, Usage)

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/quota": {"get": {
        "operationId": "getQuota", "tags": ["quota"], "summary": "Limits, usage and remaining, this period.",
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}],
        "responses": {"200": json_response("The quota report.", ref("Quota")), **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/usage": {"get": {
        "operationId": "getUsage", "tags": ["quota"], "summary": "Daily API calls, last 30 days.",
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}],
        "responses": {"200": json_response("Daily calls.", ref("Usage")), **tenant_responses()},
    }},
}
