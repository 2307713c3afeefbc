"""JSON API: a tenant's quotas (limits, usage, remaining) and its daily API calls."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.openapi import json_response, nullable, tenant_responses
from app.api.params import iso
from app.services import quotas, usage
from app.tenancy.context import current_tenant

USAGE_DAYS = 30


@bp.tenant("/quota", "quota.read")
def quota():
    """The plan, each limit (null = unlimited), usage, remaining, and the current period (UTC month)."""
    tenant = current_tenant._get_current_object()
    start, end = usage.period_bounds()
    return jsonify({
        "tenant_id": tenant.id,
        "plan": {"code": tenant.plan.code, "name": tenant.plan.name},
        "period": {"start": iso(start), "end": iso(end)},
        "quotas": {line.resource: {"limit": line.limit, "used": line.used, "remaining": line.remaining}
                   for line in quotas.quota_report(tenant)},
    })


@bp.tenant("/usage", "usage.read")
def daily_usage():
    """API calls per UTC day for the last 30 days (oldest first), and this month's total."""
    tenant = current_tenant._get_current_object()
    days = usage.daily_calls(tenant.id, USAGE_DAYS)
    return jsonify({
        "tenant_id": tenant.id,
        "days": [{"date": day.isoformat(), "calls": calls} for day, calls in days],
        "month_to_date": usage.api_calls_this_month(tenant.id),
        "limit": quotas.limits_for(tenant)["api_calls"],
    })


_LINE = {"type": "object", "required": ["limit", "used", "remaining"],
         "properties": {"limit": nullable({"type": "integer"}), "used": {"type": "integer"},
                        "remaining": nullable({"type": "integer"})}}

OPENAPI_COMPONENTS = {
    "Quota": {
        "type": "object",
        "required": ["tenant_id", "plan", "period", "quotas"],
        "properties": {
            "tenant_id": {"type": "string"},
            "plan": {"type": "object", "required": ["code", "name"],
                     "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
            "period": {"type": "object", "required": ["start", "end"],
                       "properties": {"start": {"type": "string", "format": "date-time"},
                                      "end": {"type": "string", "format": "date-time"}}},
            "quotas": {"type": "object", "required": ["users", "storage", "api_calls"],
                       "description": "limit null = unlimited; storage in bytes; api_calls this UTC month.",
                       "properties": {"users": _LINE, "storage": _LINE, "api_calls": _LINE}},
        },
    },
    "Usage": {
        "type": "object",
        "required": ["tenant_id", "days", "month_to_date", "limit"],
        "properties": {
            "tenant_id": {"type": "string"},
            "days": {"type": "array", "items": {
                "type": "object", "required": ["date", "calls"],
                "properties": {"date": {"type": "string", "format": "date"}, "calls": {"type": "integer"}}}},
            "month_to_date": {"type": "integer"},
            "limit": nullable({"type": "integer"}),
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/quota": {"get": {
        "operationId": "getQuota", "tags": ["quota"], "summary": "Limits, usage and remaining, this period.",
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}],
        "responses": {"200": json_response("The quota report.", {"$ref": "#/components/schemas/Quota"}),
                      **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/usage": {"get": {
        "operationId": "getUsage", "tags": ["quota"], "summary": "Daily API calls, last 30 days.",
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}],
        "responses": {"200": json_response("Daily calls.", {"$ref": "#/components/schemas/Usage"}),
                      **tenant_responses()},
    }},
}
