"""JSON API: a tenant's audit trail, filterable and paginated."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from app.api import bp
from app.api.openapi import json_response, list_schema, nullable, ref, tenant_responses, text
from app.api.params import iso, page_body, paging_args, query_datetime, query_text
from app.models import AuditEvent
from app.services import audit
from app.tenancy.context import current_tenant


def event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "created_at": iso(event.created_at),
        "action": event.action,
        "actor": event.actor_label,
        "actor_user_id": event.actor_user_id,
        "impersonator_user_id": event.impersonator_user_id,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "details": event.details or {},
        "ip": event.ip,
    }


@bp.tenant("/audit", "audit.read")
def list_events():
    """Newest first. `action` is a prefix (`member.`), `actor` a substring, `since`/`until` ISO 8601."""
    page, per_page = paging_args(default_per_page=50)
    flt = audit.AuditFilter(tenant_id=current_tenant.id, action=query_text("action", 64),
                            actor=query_text("actor", 254), since=query_datetime("since"),
                            until=query_datetime("until"))
    return jsonify(page_body(audit.list_events(flt, page, per_page), event_json))


OPENAPI_COMPONENTS = {
    "AuditEvent": {
        "type": "object",
        "required": ["id", "created_at", "action", "actor", "details"],
        "properties": {
            "id": {"type": "integer"},
            "created_at": {"type": "string", "format": "date-time"},
            "action": {"type": "string"},
            "actor": {"type": "string"},
            "actor_user_id": nullable({"type": "integer"}),
            "impersonator_user_id": nullable({"type": "integer"}),
            "target_type": nullable({"type": "string"}),
            "target_id": nullable({"type": "string"}),
            "details": {"type": "object"},
            "ip": nullable({"type": "string"}),
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/audit": {"get": {
        "operationId": "listAuditEvents", "tags": ["audit"], "summary": "The tenant's audit trail.",
        "parameters": [
            {"$ref": "#/components/parameters/TenantRef"},
            {"$ref": "#/components/parameters/Page"}, {"$ref": "#/components/parameters/PerPage"},
            {"name": "action", "in": "query", "schema": text(64),
             "description": "Action prefix, e.g. `member.`."},
            {"name": "actor", "in": "query", "schema": text(254)},
            {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}},
            {"name": "until", "in": "query", "schema": {"type": "string", "format": "date-time"}},
        ],
        "responses": {"200": json_response("One page of events, newest first.", list_schema(ref("AuditEvent"))),
                      **tenant_responses(), "422": {"$ref": "#/components/responses/Validation"}},
    }},
}
