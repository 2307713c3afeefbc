"""JSON API, platform admins: move a tenant to another isolation tier, and follow the move.

Mirrors the admin tenant page's "Isolation tier" panel through the same service
(`services.tier_move`); the move runs as the `placement.move` job (inline without a broker).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import RequestBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, error_refs, json_request, json_response, ref
from app.models import ISOLATION_STRATEGIES
from app.placement.moves import MOVE_PHASES, TenantMove
from app.services import tenants, tier_move
from app.services.errors import NotFound
from app.services.transaction import unit_of_work
from app.tenancy.principal import current_authority


class TierMoveRequest(RequestBody):
    target: text(16, blank=False) = Field(description=f"One of {', '.join(ISOLATION_STRATEGIES)}; "
                                                      "schema needs PostgreSQL.")


def move_json(move: TenantMove) -> dict[str, Any]:
    return {"id": move.id, "tenant_id": move.tenant_id, "source": move.source, "target": move.target,
            "phase": move.phase, "copied_rows": move.copied_rows, "verified": move.verified, "error": move.error,
            "started_at": move.started_at.isoformat(), "finished_at": move.finished_at.isoformat() if move.finished_at else None}


@bp.platform("/tenants/<tenant_ref>/move", methods=["POST"])
def move_tenant(tenant_ref: str):
    """Start (or resume) moving the tenant to `target`; answers the move, finished if it ran inline."""
    from app.jobs import enqueue

    tenant = tenants.get_tenant(tenant_ref)
    body = read_body(TierMoveRequest)
    move = tier_move.start_move(tenant, body.target, current_authority())
    with unit_of_work():
        enqueue("placement.move", move_id=move.id)
    response = jsonify(move_json(tier_move.latest_move(tenant.id) or move))
    response.status_code = 202
    return response


@bp.platform("/tenants/<tenant_ref>/move")
def get_move(tenant_ref: str):
    """The tenant's latest move and its phase."""
    tenant = tenants.get_tenant(tenant_ref)
    move = tier_move.latest_move(tenant.id)
    if move is None:
        raise NotFound(gettext("This tenant has not been moved."), code="tenant_move_not_found")
    return jsonify(move_json(move))


TIER_MOVE_SCHEMA = {"type": "object", "required": ["id", "tenant_id", "source", "target", "phase"], "properties": {
    "id": {"type": "integer"}, "tenant_id": {"type": "string"},
    "source": {"enum": list(ISOLATION_STRATEGIES)}, "target": {"enum": list(ISOLATION_STRATEGIES)},
    "phase": {"enum": list(MOVE_PHASES)}, "copied_rows": {"type": "integer"},
    "verified": {"type": ["object", "null"], "description": "Per table: rows and checksum verified before the switch."},
    "error": {"type": ["string", "null"]}, "started_at": {"type": "string", "format": "date-time"},
    "finished_at": {"type": ["string", "null"], "format": "date-time"}}}
OPENAPI_COMPONENTS = {**schemas(TierMoveRequest), "TierMove": TIER_MOVE_SCHEMA}



OPENAPI_PATHS = {
    "/api/v1/tenants/{tenant_ref}/move": {
        "post": {
            "operationId": "moveTenant", "tags": ["tenants"],
            "summary": "Move a tenant to another isolation tier (platform admins): copy, verify, switch, drop the old copy.",
            "parameters": [TENANT_REF], "requestBody": json_request(ref("TierMoveRequest")),
            "x-content-checked": True,
            "responses": {"202": json_response("The move, with its phase.", ref("TierMove"), metered=False),
                          **error_refs("409", "413", "422")},
        },
        "get": {
            "operationId": "getTenantMove", "tags": ["tenants"],
            "summary": "The tenant's latest isolation-tier move and its phase (platform admins).",
            "parameters": [TENANT_REF],
            "responses": {"200": json_response("The move.", ref("TierMove"), metered=False), **error_refs()},
        },
    },
}
