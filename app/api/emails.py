"""JSON API, platform admins: the outbox (mirrors `/admin/emails`).

Every message the product sent or is still trying to send, newest first; a failed or waiting one
can be tried again now (`emails.retry`, audited as `email.retried`). Bodies are never answered:
their links (invitations, password resets) are secrets, and they are wiped once sent.
"""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from flask_babel import gettext

from app.api import bp
from app.api.bodies import MaybeMoment, Moment, ResponseBody, schemas
from app.api.openapi import json_response, list_schema, ref
from app.api.params import page_body, paging_args, path_int, query_choice
from app.models import EMAIL_STATUSES, OutboundEmail
from app.services import emails
from app.services.errors import Conflict, NotFound, ValidationError
from app.tenancy.principal import current_authority


class Email(ResponseBody):
    id: int
    kind: str
    tenant_id: str | None
    to_address: str
    subject: str
    status: Literal[EMAIL_STATUSES]
    attempts: int
    max_attempts: int
    last_error: str | None
    created_at: Moment
    last_attempt_at: MaybeMoment
    sent_at: MaybeMoment


def email_json(email: OutboundEmail) -> dict:
    return Email(id=email.id, kind=email.kind, tenant_id=email.tenant_id, to_address=email.to_address,
                 subject=email.subject, status=email.status, attempts=email.attempts,
                 max_attempts=email.max_attempts, last_error=email.last_error, created_at=email.created_at,
                 last_attempt_at=email.last_attempt_at, sent_at=email.sent_at).model_dump(mode="json")


@bp.platform("/emails")
def list_emails():
    """Newest first; `status` keeps one status."""
    page, per_page = paging_args()
    status = query_choice("status", EMAIL_STATUSES)
    return jsonify(page_body(emails.list_emails(status, page=page, per_page=per_page), email_json))


@bp.platform("/emails/<email_id>/retry", methods=["POST"])
def retry_email(email_id: str):
    """Queue a failed or waiting message again, with a fresh round of attempts; a sent or
    cancelled one is 409 `email_not_retryable`."""
    found = path_int(email_id, NotFound(gettext("Email not found."), code="email_not_found"))
    try:
        email = emails.retry(found, current_authority())
    except ValidationError as exc:
        # The message's state, not the request, is what is wrong: a conflict.
        raise Conflict(exc.message, field="status", code="email_not_retryable") from None
    return jsonify(email_json(email))


OPENAPI_COMPONENTS = schemas(Email)

_ERRORS = {"400": {"$ref": "#/components/responses/BadRequest"},
           "401": {"$ref": "#/components/responses/Unauthorized"},
           "403": {"$ref": "#/components/responses/Forbidden"}}
_EMAIL_ID = {"name": "email_id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9]+$"}}

OPENAPI_PATHS = {
    "/api/v1/emails": {"get": {
        "operationId": "listEmails", "tags": ["emails"],
        "summary": "The outbox, newest first (platform admins); bodies are never answered.",
        "parameters": [{"$ref": "#/components/parameters/Page"}, {"$ref": "#/components/parameters/PerPage"},
                       {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(EMAIL_STATUSES)},
                        "description": "Only messages in this status."}],
        "responses": {"200": json_response("One page of messages.", list_schema(ref("Email")), metered=False),
                      **_ERRORS, "422": {"$ref": "#/components/responses/Validation"}},
    }},
    "/api/v1/emails/{email_id}/retry": {"post": {
        "operationId": "retryEmail", "tags": ["emails"],
        "summary": "Try a failed or waiting message again now (platform admins).",
        "parameters": [_EMAIL_ID],
        "responses": {"200": json_response("The message, queued again (or sent, when no worker runs).", ref("Email"),
                                           metered=False),
                      **_ERRORS, "404": {"$ref": "#/components/responses/NotFound"},
                      "409": {"$ref": "#/components/responses/Conflict"}},
    }},
}

OPENAPI_LINKS = [("listEmails", "200", {"email_id": "$response.body#/items/0/id"}, ("retryEmail",))]
