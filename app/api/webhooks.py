"""JSON API: a tenant's webhook endpoints, their delivery log and replay, and the event catalogue (issue 17)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from flask import jsonify
from flask_babel import gettext
from pydantic import Field

from app.api import bp
from app.api.bodies import RequestBody, ResponseBody, read_body, schemas, text
from app.api.openapi import TENANT_REF, json_request, json_response, ref, response_refs, tenant_responses
from app.api.params import path_int
from app.models import WebhookDelivery as DeliveryRow
from app.models import WebhookEndpoint as EndpointRow
from app.services import webhooks
from app.services.errors import NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority

EventType = StrEnum("EventType", {name: name for name in webhooks.EVENT_TYPES})


class WebhookEventType(ResponseBody):
    type: str
    description: str


class WebhookEndpoint(ResponseBody):
    id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None = None
    created_at: datetime
    secret: str | None = Field(None, description="The signing secret: only in the answer that creates or rotates it.")

    @classmethod
    def of(cls, row: EndpointRow, secret: str | None = None) -> WebhookEndpoint:
        return cls(id=row.id, url=row.url, description=row.description, events=list(row.events),
                   enabled=row.enabled, disabled_reason=row.disabled_reason, created_at=row.created_at,
                   secret=secret)


class WebhookDelivery(ResponseBody):
    id: int
    event_id: str = Field(description="The `webhook-id` header.")
    event_type: str
    status: str
    attempts: int
    response_status: int | None = None
    latency_ms: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    replay_of_id: int | None = None
    created_at: datetime
    last_attempt_at: datetime | None = None


class WebhookCreate(RequestBody):
    url: text(webhooks.URL_MAX, blank=False)
    events: list[EventType] = Field(min_length=1, description="Types from GET /api/v1/webhook-events.")
    description: text(webhooks.DESCRIPTION_MAX) = ""


class WebhookChange(RequestBody):
    url: text(webhooks.URL_MAX, blank=False) | None = None
    events: list[EventType] | None = Field(None, min_length=1)
    description: text(webhooks.DESCRIPTION_MAX) | None = None
    enabled: bool | None = None


def _endpoint_json(row: EndpointRow, secret: str | None = None) -> dict[str, Any]:
    data = WebhookEndpoint.of(row, secret).model_dump(mode="json")
    if secret is None:
        del data["secret"]
    return data


def _delivery_json(row: DeliveryRow) -> dict[str, Any]:
    from app.extensions import db
    from app.models import WebhookEvent

    event = db.session.get(WebhookEvent, row.event_id)
    return WebhookDelivery(id=row.id, event_id=row.event_id, event_type=event.type if event else "", status=row.status,
                           attempts=row.attempts, response_status=row.response_status, latency_ms=row.latency_ms,
                           response_excerpt=row.response_excerpt, error=row.error, replay_of_id=row.replay_of_id,
                           created_at=row.created_at, last_attempt_at=row.last_attempt_at).model_dump(mode="json")


def _endpoint_id(value: str) -> int:
    return path_int(value, NotFound(gettext("Webhook endpoint not found."), code="webhook_not_found"))


@bp.signed_in("/webhook-events")
def list_webhook_events():
    """The catalogue of event types an endpoint may subscribe to."""
    return jsonify({"items": [{"type": name, "description": str(text_)} for name, text_ in webhooks.EVENT_TYPES.items()]})


@bp.tenant("/webhooks", "webhooks.manage")
def list_webhooks():
    return jsonify({"items": [_endpoint_json(row) for row in webhooks.list_endpoints(current_tenant)]})


@bp.tenant("/webhooks", "webhooks.manage", methods=["POST"])
def create_webhook():
    body = read_body(WebhookCreate)
    row, secret = webhooks.create_endpoint(current_tenant._get_current_object(), current_authority(), url=body.url,
                                           events=[str(e) for e in body.events], description=body.description)
    return jsonify(_endpoint_json(row, secret)), 201


@bp.tenant("/webhooks/<endpoint_id>", "webhooks.manage", methods=["PATCH"])
def update_webhook(endpoint_id: str):
    body = read_body(WebhookChange)
    row = webhooks.update_endpoint(current_tenant._get_current_object(), _endpoint_id(endpoint_id), current_authority(),
                                   url=body.url, events=None if body.events is None else [str(e) for e in body.events],
                                   description=body.description, enabled=body.enabled)
    return jsonify(_endpoint_json(row))


@bp.tenant("/webhooks/<endpoint_id>", "webhooks.manage", methods=["DELETE"])
def delete_webhook(endpoint_id: str):
    webhooks.delete_endpoint(current_tenant._get_current_object(), _endpoint_id(endpoint_id), current_authority())
    return "", 204


@bp.tenant("/webhooks/<endpoint_id>/rotate-secret", "webhooks.manage", methods=["POST"])
def rotate_webhook_secret(endpoint_id: str):
    row, secret = webhooks.rotate_secret(current_tenant._get_current_object(), _endpoint_id(endpoint_id),
                                         current_authority())
    return jsonify(_endpoint_json(row, secret))


@bp.tenant("/webhooks/<endpoint_id>/deliveries", "webhooks.manage")
def list_webhook_deliveries(endpoint_id: str):
    rows = webhooks.list_deliveries(current_tenant._get_current_object(), _endpoint_id(endpoint_id))
    return jsonify({"items": [_delivery_json(row) for row in rows]})


@bp.tenant("/webhooks/<endpoint_id>/deliveries/<delivery_id>/replay", "webhooks.manage", methods=["POST"])
def replay_webhook_delivery(endpoint_id: str, delivery_id: str):
    not_found = NotFound(gettext("Delivery not found."), code="webhook_delivery_not_found")
    row = webhooks.replay(current_tenant._get_current_object(), _endpoint_id(endpoint_id),
                          path_int(delivery_id, not_found), current_authority())
    return jsonify(_delivery_json(row)), 202


_ENDPOINT_ID = {"name": "endpoint_id", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+$"}, "description": "The endpoint's id."}
_DELIVERY_ID = {"name": "delivery_id", "in": "path", "required": True,
                "schema": {"type": "string", "pattern": "^[0-9]+$"}, "description": "The delivery's id."}
_WRITE_ERRORS = response_refs("413", "422")


def _items(schema: dict) -> dict:
    return {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": schema}}}


OPENAPI_COMPONENTS = schemas(WebhookEventType, WebhookEndpoint, WebhookDelivery, WebhookCreate, WebhookChange)

OPENAPI_PATHS = {
    "/api/v1/webhook-events": {"get": {
        "operationId": "listWebhookEvents", "tags": ["webhooks"],
        "summary": "The event types a webhook endpoint may subscribe to.",
        "responses": {"200": json_response("Every event type.", _items(ref("WebhookEventType"))),
                      "401": {"$ref": "#/components/responses/Unauthorized"},
                      "429": {"$ref": "#/components/responses/QuotaExceeded"}},
    }},
    "/api/v1/tenants/{tenant_ref}/webhooks": {
        "get": {
            "operationId": "listWebhooks", "tags": ["webhooks"], "summary": "The tenant's webhook endpoints.",
            "parameters": [TENANT_REF],
            "responses": {"200": json_response("Every endpoint (no secrets).", _items(ref("WebhookEndpoint"))),
                          **tenant_responses()},
        },
        "post": {
            "operationId": "createWebhook", "tags": ["webhooks"],
            "summary": "Add an endpoint (Basic plan and up); the answer holds its signing `secret`, this once.",
            "parameters": [TENANT_REF],
            "requestBody": json_request(ref("WebhookCreate")),
            # A well-shaped URL may still be refused: private, loopback or link-local, or not resolving (422).
            "x-content-checked": True,
            "responses": {"201": json_response("The endpoint, with `secret`.", ref("WebhookEndpoint")),
                          **tenant_responses(), **_WRITE_ERRORS},
        },
    },
    "/api/v1/tenants/{tenant_ref}/webhooks/{endpoint_id}": {
        "patch": {
            "operationId": "updateWebhook", "tags": ["webhooks"],
            "summary": "Change an endpoint's URL, events, description or enabled (omitted: unchanged).",
            "parameters": [TENANT_REF, _ENDPOINT_ID],
            "requestBody": json_request(ref("WebhookChange")),
            "x-content-checked": True,
            "responses": {"200": json_response("The endpoint.", ref("WebhookEndpoint")), **tenant_responses(),
                          **_WRITE_ERRORS},
        },
        "delete": {
            "operationId": "deleteWebhook", "tags": ["webhooks"], "summary": "Delete an endpoint and its delivery log.",
            "parameters": [TENANT_REF, _ENDPOINT_ID],
            "responses": {"204": {"description": "Deleted."}, **tenant_responses()},
        },
    },
    "/api/v1/tenants/{tenant_ref}/webhooks/{endpoint_id}/rotate-secret": {"post": {
        "operationId": "rotateWebhookSecret", "tags": ["webhooks"],
        "summary": "A new signing secret (shown once); the old one stays valid for the overlap, both signatures sent.",
        "parameters": [TENANT_REF, _ENDPOINT_ID],
        "responses": {"200": json_response("The endpoint, with its new `secret`.", ref("WebhookEndpoint")),
                      **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/webhooks/{endpoint_id}/deliveries": {"get": {
        "operationId": "listWebhookDeliveries", "tags": ["webhooks"],
        "summary": "The endpoint's newest 50 deliveries: status, attempts, HTTP status, latency, response excerpt.",
        "parameters": [TENANT_REF, _ENDPOINT_ID],
        "responses": {"200": json_response("Deliveries, newest first.", _items(ref("WebhookDelivery"))),
                      **tenant_responses()},
    }},
    "/api/v1/tenants/{tenant_ref}/webhooks/{endpoint_id}/deliveries/{delivery_id}/replay": {"post": {
        "operationId": "replayWebhookDelivery", "tags": ["webhooks"],
        "summary": "Send a delivery's event again, as a new delivery with the same `webhook-id`.",
        "parameters": [TENANT_REF, _ENDPOINT_ID, _DELIVERY_ID],
        "responses": {"202": json_response("The new delivery.", ref("WebhookDelivery")), **tenant_responses()},
    }},
}

OPENAPI_LINKS = [
    ("createWebhook", "201", {"endpoint_id": "$response.body#/id"},
     ("updateWebhook", "deleteWebhook", "rotateWebhookSecret", "listWebhookDeliveries")),
    ("listWebhooks", "200", {"endpoint_id": "$response.body#/items/0/id"},
     ("updateWebhook", "deleteWebhook", "rotateWebhookSecret", "listWebhookDeliveries")),
    ("listWebhookDeliveries", "200", {"endpoint_id": "$request.path.endpoint_id",
                                      "delivery_id": "$response.body#/items/0/id"}, ("replayWebhookDelivery",)),
]
