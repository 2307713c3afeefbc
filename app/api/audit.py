"""JSON API: a tenant's audit trail, filterable and paginated."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, stream_with_context

from app.api import bp
from app.api.bodies import Moment, ResponseBody, schemas
from app.api.openapi import json_response, list_schema, ref, tenant_responses, text
from app.api.params import page_body, paging_args, query_datetime, query_text
from app.models import AuditEvent as AuditEventRow
from app.services import audit, audit_export
from app.tenancy.context import current_tenant

ACTION_MAX_LENGTH = 64
ACTOR_MAX_LENGTH = 254


class AuditEvent(ResponseBody):
    id: int
    created_at: Moment
    action: str
    actor: str
    actor_user_id: int | None
    impersonator_user_id: int | None
    target_type: str | None
    target_id: str | None
    details: dict[str, Any]
    ip: str | None

    @classmethod
    def of(cls, event: AuditEventRow) -> AuditEvent:
        return cls(id=event.id, created_at=event.created_at, action=event.action, actor=event.actor_label,
                   actor_user_id=event.actor_user_id, impersonator_user_id=event.impersonator_user_id,
                   target_type=event.target_type, target_id=event.target_id, details=event.details or {},
                   ip=event.ip)


def event_json(event: AuditEventRow) -> dict[str, Any]:
    return AuditEvent.of(event).model_dump(mode="json")


@bp.tenant("/audit", "audit.read")
def list_events():
    """Newest first. `action` is a prefix (`member.`), `actor` a substring, `since`/`until` ISO 8601."""
    page, per_page = paging_args(default_per_page=50)
    flt = audit.AuditFilter(tenant_id=current_tenant.id, action=query_text("action", ACTION_MAX_LENGTH),
                            actor=query_text("actor", ACTOR_MAX_LENGTH), since=query_datetime("since"),
                            until=query_datetime("until"))
    return jsonify(page_body(audit.list_events(flt, page, per_page), event_json))


@bp.tenant("/audit/export", "audit.read")
def export_events():
    """Every event as CSV, oldest last; `action` and `actor` filter as in the list. Basic plan and up."""
    flt = audit.AuditFilter(tenant_id=current_tenant.id, action=query_text("action", ACTION_MAX_LENGTH),
                            actor=query_text("actor", ACTOR_MAX_LENGTH), since=query_datetime("since"),
                            until=query_datetime("until"))
    lines = audit_export.tenant_csv(current_tenant._get_current_object(), flt)
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"', "Cache-Control": "no-store"})


OPENAPI_COMPONENTS = schemas(AuditEvent)

_FILTERS = [
    {"name": "action", "in": "query", "schema": text(ACTION_MAX_LENGTH),
     "description": "Action prefix, e.g. `member.`."},
    {"name": "actor", "in": "query", "schema": text(ACTOR_MAX_LENGTH)},
    {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
    {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
]

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/audit/export": {"get": {
        "operationId": "exportAuditEvents", "tags": ["audit"],
        "summary": "The tenant's audit trail as CSV (the `audit_export` entitlement: Basic plan and up; "
                   "otherwise 403 `feature_not_in_plan`).",
        "parameters": [{"$ref": "#/components/parameters/TenantRef"}, *_FILTERS],
        "responses": {"200": {"description": "CSV, one event a line, newest first.",
                              "content": {"text/csv": {"schema": {"type": "string"}}}},
                      **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
    }},
    "/api/v1/tenants/{tenant_ref}/audit": {"get": {
        "operationId": "listAuditEvents", "tags": ["audit"], "summary": "The tenant's audit trail.",
        "parameters": [
            {"$ref": "#/components/parameters/TenantRef"},
            {"$ref": "#/components/parameters/Page"}, {"$ref": "#/components/parameters/PerPage"},
            {"name": "action", "in": "query", "schema": text(ACTION_MAX_LENGTH),
             "description": "Action prefix, e.g. `member.`."},
            {"name": "actor", "in": "query", "schema": text(ACTOR_MAX_LENGTH)},
            {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        ],
        "responses": {"200": json_response("One page of events, newest first.", list_schema(ref("AuditEvent"))),
                      **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
