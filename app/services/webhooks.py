"""Outgoing webhooks (issue 17): endpoints, events through an outbox, signed delivery with retries.

An event is a row of `webhook_events`, written in the transaction of the change that caused it:
`emit()` adds it (and asks for its fan-out job) to the open unit of work, so a rolled-back change
has no event and a committed change always has one. Audited changes emit through `audit.record`
(`AUDIT_EVENTS` maps an audit action to an event type), so no service has to remember.

Fan-out makes one delivery per subscribed, enabled endpoint and one `webhooks.deliver` job each;
the job runner retries a failed try with exponential backoff for about 24 hours. Killed workers:
the job's claim goes stale and the jobs sweep runs it again; an event whose fan-out job was lost
is fanned out by `webhooks.sweep`. Delivery is idempotent (a succeeded delivery is not sent again).

Signed per Standard Webhooks (`standardwebhooks`): `webhook-id` (the event id), `webhook-timestamp`,
`webhook-signature` (`v1,<sig>`; during a secret rotation's overlap both secrets' signatures).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import socket
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEvent, Tenant, WebhookDelivery, WebhookEndpoint, WebhookEvent, utcnow
from app.services import audit, entitlements
from app.services.errors import DomainError, NotFound, ValidationError
from app.services.field_errors import FieldErrors
from app.services.secret_box import seal, unseal
from app.services.transaction import unit_of_work

FEATURE = "webhooks"
URL_MAX = 2000
DESCRIPTION_MAX = 200
TIMEOUT_SECONDS = 10
EXCERPT_MAX = 500

# Retries: 30 s, doubling, at most an hour apart; 29 retries reach about 24 hours after the first try.
BACKOFF = 30
BACKOFF_MAX = 3600
MAX_RETRIES = 29
MAX_ATTEMPTS = MAX_RETRIES + 1

# The catalogue: event type -> what the endpoint editor says about it.
EVENT_TYPES: dict[str, Any] = {
    "member.added": _l("A member joined the organisation."),
    "member.removed": _l("A member was removed or left."),
    "member.role_changed": _l("A member's role changed."),
    "invitation.accepted": _l("An invitation was accepted."),
    "plan.changed": _l("The organisation moved to another plan."),
    "tenant.status_changed": _l("The organisation was suspended, reactivated, expired, deleted or restored."),
    "document.created": _l("A document was added to the knowledge base."),
    "document.deleted": _l("A document was deleted from the knowledge base."),
    "tenant.created": _l("An organisation was created (platform endpoints)."),
}

# Audit action -> event type: what `audit.record` emits for an audited change.
AUDIT_EVENTS = {
    "member.added": "member.added",
    "member.removed": "member.removed",
    "member.role_changed": "member.role_changed",
    "member.roles_changed": "member.role_changed",
    "invitation.accepted": "invitation.accepted",
    "tenant.plan_changed": "plan.changed",
    "tenant.suspended": "tenant.status_changed",
    "tenant.reactivated": "tenant.status_changed",
    "tenant.expired": "tenant.status_changed",
    "tenant.trial_expired": "tenant.status_changed",
    "tenant.deleted": "tenant.status_changed",
    "tenant.restored": "tenant.status_changed",
    "document.created": "document.created",
    "document.deleted": "document.deleted",
    "tenant.created": "tenant.created",
}


class DeliveryFailed(Exception):
    """A try that did not get a 2xx answer: the job runner tries again later."""


# ---------------------------------------------------------------- the outbox


def _has_listeners(tenant_id: str | None) -> bool:
    stmt = select(WebhookEndpoint.id).where(WebhookEndpoint.enabled.is_(True)).limit(1)
    if tenant_id is None:
        stmt = stmt.where(WebhookEndpoint.tenant_id.is_(None))
    else:
        stmt = stmt.where((WebhookEndpoint.tenant_id == tenant_id) | WebhookEndpoint.tenant_id.is_(None))
    with db.session.no_autoflush:
        return db.session.scalar(stmt) is not None


def emit(tenant: Tenant | str | None, event_type: str, data: dict[str, Any]) -> WebhookEvent | None:
    """Add event `event_type` about `tenant` to the current transaction (nothing if no endpoint listens).

    It commits or rolls back with the change; its fan-out job is handed over after the commit.
    """
    from app.jobs import enqueue

    if event_type not in EVENT_TYPES:
        raise KeyError(f"unknown webhook event {event_type!r}; add it to services.webhooks.EVENT_TYPES")
    tenant_id = tenant.id if isinstance(tenant, Tenant) else tenant
    if not _has_listeners(tenant_id):
        return None
    now = utcnow()
    event = WebhookEvent(id=f"msg_{secrets.token_urlsafe(18)}", tenant_id=tenant_id, type=event_type,
                         payload={"type": event_type, "timestamp": now.isoformat(),
                                  "data": {"tenant_id": tenant_id, **data}},
                         created_at=now)
    db.session.add(event)
    enqueue("webhooks.fan_out", event_id=event.id)
    return event


@audit.on_record
def emit_for_audit(record: AuditEvent, actor_label: str, details: dict[str, Any] | None) -> None:
    """The event an audited change stands for, if it is one of the catalogue's: written by `audit.record`'s
    listener in the change's own transaction, so no service can forget it."""
    event_type = AUDIT_EVENTS.get(record.action)
    if event_type is None or (details or {}).get("reconciled"):
        return
    data = {"action": record.action, "actor": actor_label, "object": {"type": record.target_type, "id": record.target_id},
            "details": {k: v for k, v in (details or {}).items() if _plain_json(v)}}
    emit(record.tenant_id, event_type, data)


def _plain_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


# ---------------------------------------------------------------- endpoints


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified)


def check_url(url: str) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to a private, loopback or link-local
    address (unless WEBHOOK_ALLOW_PRIVATE). Checked when saved and again before every try."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(gettext("Give an http:// or https:// URL."), field="url", code="webhook_url_invalid")
    if current_app.config.get("WEBHOOK_ALLOW_PRIVATE"):
        return
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443)}
    except (socket.gaierror, UnicodeError):
        raise ValidationError(gettext("The URL's host name does not resolve."), field="url",
                              code="webhook_url_unresolvable") from None
    if any(_refused_address(a.split("%")[0]) for a in addresses):
        raise ValidationError(gettext("The URL points to a private, loopback or link-local address; "
                                      "webhooks are only sent to public addresses."),
                              field="url", code="webhook_url_private")


def _clean(url: str | None, events: list[str] | None, description: str | None,
           errors: FieldErrors) -> tuple[str | None, list[str] | None, str | None]:
    clean_url = None if url is None else str(url).strip()
    if clean_url is not None:
        if not clean_url or len(clean_url) > URL_MAX:
            errors.add("url", gettext("Give an http:// or https:// URL."))
        else:
            try:
                check_url(clean_url)
            except ValidationError as exc:
                errors.add("url", exc.message)
    clean_events = None
    if events is not None:
        unknown = sorted(set(map(str, events)) - set(EVENT_TYPES))
        if unknown:
            errors.add("events", gettext("Unknown event: %(names)s.", names=", ".join(unknown)))
        elif not events:
            errors.add("events", gettext("Choose at least one event."))
        clean_events = sorted(set(map(str, events)) & set(EVENT_TYPES))
    clean_description = None if description is None else str(description).strip()
    if clean_description is not None and len(clean_description) > DESCRIPTION_MAX:
        errors.add("description", gettext("A description has at most %(n)s characters.", n=DESCRIPTION_MAX))
    return clean_url, clean_events, clean_description


def list_endpoints(tenant: Tenant | None) -> list[WebhookEndpoint]:
    """The tenant's endpoints (None: the platform's), oldest first."""
    owner = WebhookEndpoint.tenant_id.is_(None) if tenant is None else WebhookEndpoint.tenant_id == tenant.id
    return list(db.session.scalars(select(WebhookEndpoint).where(owner).order_by(WebhookEndpoint.id)))


def get_endpoint(tenant: Tenant | None, endpoint_id: int | str) -> WebhookEndpoint:
    """Endpoint `endpoint_id` of this tenant (None: a platform one); another tenant's is not found."""
    try:
        eid = int(endpoint_id)
    except (TypeError, ValueError):
        eid = None
    endpoint = None if eid is None else db.session.get(WebhookEndpoint, eid)
    if endpoint is None or endpoint.tenant_id != (tenant.id if tenant is not None else None):
        raise NotFound(gettext("Webhook endpoint not found."), code="webhook_not_found")
    return endpoint


def create_endpoint(tenant: Tenant | None, actor, *, url: str, events: list[str],
                    description: str = "") -> tuple[WebhookEndpoint, str]:
    """A new endpoint; returns it and its signing secret, which is shown this once."""
    from app.services.audit import record

    if tenant is not None:
        entitlements.require_feature(tenant, FEATURE)
    errors = FieldErrors()
    clean_url, clean_events, clean_description = _clean(url or "", events or [], description or "", errors)
    errors.raise_if_any()
    secret = new_secret()
    with unit_of_work() as session:
        endpoint = WebhookEndpoint(tenant_id=tenant.id if tenant else None, url=clean_url, events=clean_events,
                                   description=clean_description, enabled=True, secret_sealed=seal(secret),
                                   consecutive_failures=0, created_at=utcnow())
        session.add(endpoint)
        session.flush()
        record("webhook.created", actor, tenant_id=endpoint.tenant_id, target_type="webhook",
               target_id=endpoint.id, details={"url": clean_url, "events": ", ".join(clean_events)})
    return endpoint, secret


def update_endpoint(tenant: Tenant | None, endpoint_id: int | str, actor, *, url: str | None = None,
                    events: list[str] | None = None, description: str | None = None,
                    enabled: bool | None = None) -> WebhookEndpoint:
    """Change an endpoint (None: unchanged). Enabling it again clears its failure count."""
    from app.services.audit import record

    endpoint = get_endpoint(tenant, endpoint_id)
    if tenant is not None:
        entitlements.require_feature(tenant, FEATURE)
    errors = FieldErrors()
    clean_url, clean_events, clean_description = _clean(url, events, description, errors)
    errors.raise_if_any()
    with unit_of_work():
        if clean_url is not None:
            endpoint.url = clean_url
        if clean_events is not None:
            endpoint.events = clean_events
        if clean_description is not None:
            endpoint.description = clean_description
        if enabled is not None:
            if enabled and not endpoint.enabled:
                endpoint.consecutive_failures, endpoint.disabled_reason = 0, None
            endpoint.enabled = enabled
        record("webhook.updated", actor, tenant_id=endpoint.tenant_id, target_type="webhook", target_id=endpoint.id,
               details={"url": endpoint.url, "enabled": endpoint.enabled})
    return endpoint


def delete_endpoint(tenant: Tenant | None, endpoint_id: int | str, actor) -> None:
    """Delete an endpoint and its delivery log."""
    from app.services.audit import record

    endpoint = get_endpoint(tenant, endpoint_id)
    with unit_of_work() as session:
        record("webhook.deleted", actor, tenant_id=endpoint.tenant_id, target_type="webhook", target_id=endpoint.id,
               details={"url": endpoint.url})
        for delivery in session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)):
            session.delete(delivery)
        session.delete(endpoint)


def rotate_secret(tenant: Tenant | None, endpoint_id: int | str, actor) -> tuple[WebhookEndpoint, str]:
    """A new signing secret (shown once); the old one stays valid for WEBHOOK_SECRET_OVERLAP_HOURS,
    and meanwhile every delivery carries both signatures."""
    from app.services.audit import record

    endpoint = get_endpoint(tenant, endpoint_id)
    secret = new_secret()
    hours = float(current_app.config.get("WEBHOOK_SECRET_OVERLAP_HOURS", 24))
    with unit_of_work():
        endpoint.previous_secret_sealed = endpoint.secret_sealed
        endpoint.previous_secret_expires_at = utcnow() + timedelta(hours=hours)
        endpoint.secret_sealed = seal(secret)
        record("webhook.secret_rotated", actor, tenant_id=endpoint.tenant_id, target_type="webhook",
               target_id=endpoint.id, details={"overlap_hours": hours})
    return endpoint, secret


def list_deliveries(tenant: Tenant | None, endpoint_id: int | str, limit: int = 50) -> list[WebhookDelivery]:
    """The endpoint's newest deliveries first."""
    endpoint = get_endpoint(tenant, endpoint_id)
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .order_by(WebhookDelivery.id.desc()).limit(limit)))


def replay(tenant: Tenant | None, endpoint_id: int | str, delivery_id: int | str, actor) -> WebhookDelivery:
    """Send a delivery's event to its endpoint again, as a new delivery (same `webhook-id`)."""
    from app.jobs import enqueue
    from app.services.audit import record

    endpoint = get_endpoint(tenant, endpoint_id)
    try:
        did = int(delivery_id)
    except (TypeError, ValueError):
        did = None
    original = None if did is None else db.session.get(WebhookDelivery, did)
    if original is None or original.endpoint_id != endpoint.id:
        raise NotFound(gettext("Delivery not found."), code="webhook_delivery_not_found")
    with unit_of_work() as session:
        delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=original.event_id, replay_of_id=original.id,
                                   status="pending", attempts=0, created_at=utcnow())
        session.add(delivery)
        session.flush()
        enqueue("webhooks.deliver", delivery_id=delivery.id)
        record("webhook.replayed", actor, tenant_id=endpoint.tenant_id, target_type="webhook", target_id=endpoint.id,
               details={"delivery_id": original.id})
    return delivery


# ---------------------------------------------------------------- delivery


def fan_out(event_id: str) -> int:
    """Make the event's deliveries (one per subscribed, enabled endpoint) and ask for each; idempotent."""
    from app.jobs import enqueue

    with unit_of_work() as session:
        event = session.get(WebhookEvent, event_id)
        if event is None or event.fanned_out_at is not None:
            return 0
        owners = WebhookEndpoint.tenant_id.is_(None)
        tenant = session.get(Tenant, event.tenant_id) if event.tenant_id else None
        if tenant is not None and entitlements.has_feature(tenant, FEATURE):
            owners = owners | (WebhookEndpoint.tenant_id == event.tenant_id)
        done = set(session.scalars(select(WebhookDelivery.endpoint_id).where(WebhookDelivery.event_id == event_id)))
        made = 0
        for endpoint in session.scalars(select(WebhookEndpoint).where(owners, WebhookEndpoint.enabled.is_(True))):
            if event.type in (endpoint.events or ()) and endpoint.id not in done:
                delivery = WebhookDelivery(endpoint_id=endpoint.id, event_id=event_id, status="pending", attempts=0,
                                           created_at=utcnow())
                session.add(delivery)
                session.flush()
                enqueue("webhooks.deliver", delivery_id=delivery.id)
                made += 1
        event.fanned_out_at = utcnow()
    return made


def sweep_outbox(older_than: timedelta = timedelta(minutes=2)) -> int:
    """Fan out events whose fan-out job never ran (lost with a worker or a broker)."""
    ids = list(db.session.scalars(select(WebhookEvent.id).where(WebhookEvent.fanned_out_at.is_(None),
                                                                WebhookEvent.created_at < utcnow() - older_than)
                                  .limit(500)))
    db.session.rollback()
    return sum(fan_out(event_id) for event_id in ids)


def signature_headers(endpoint: WebhookEndpoint, msg_id: str, body: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers: one `v1` signature per valid secret (two during a rotation's overlap)."""
    from standardwebhooks.webhooks import Webhook

    sealed = [endpoint.secret_sealed]
    if endpoint.previous_secret_sealed and endpoint.previous_secret_expires_at and \
            endpoint.previous_secret_expires_at > now:
        sealed.append(endpoint.previous_secret_sealed)
    signatures = [Webhook(unseal(s)).sign(msg_id=msg_id, timestamp=now, data=body) for s in sealed]
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": " ".join(signatures), "content-type": "application/json",
            "user-agent": "Tenantry-Webhooks/1"}


def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int | None, str, str | None, int]:
    """One HTTP try: (status, response excerpt, error, latency ms). No redirects, 10 s timeout."""
    import requests

    started = time.perf_counter()
    try:
        check_url(url)
        response = requests.post(url, data=body.encode(), headers=headers, timeout=TIMEOUT_SECONDS,
                                 allow_redirects=False)
    except DomainError as exc:
        return None, "", exc.message[:EXCERPT_MAX], int((time.perf_counter() - started) * 1000)
    except requests.RequestException as exc:
        return None, "", f"{exc.__class__.__name__}: {exc}"[:EXCERPT_MAX], int((time.perf_counter() - started) * 1000)
    latency = int((time.perf_counter() - started) * 1000)
    return response.status_code, response.text[:EXCERPT_MAX], None, latency


def deliver(delivery_id: int) -> str:
    """Try one delivery once; record the try. Raises `DeliveryFailed` when the runner should try again."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status in ("succeeded", "failed"):
        return delivery.status if delivery else "gone"
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    event = db.session.get(WebhookEvent, delivery.event_id)
    if not endpoint.enabled:
        with unit_of_work():
            delivery.status, delivery.error = "failed", gettext("The endpoint is disabled.")
        return "failed"
    now = utcnow()
    body = json.dumps(event.payload, separators=(",", ":"), sort_keys=True)
    status, excerpt, error, latency = _post(endpoint.url, body, signature_headers(endpoint, event.id, body, now))
    ok = status is not None and 200 <= status < 300
    disabled = False
    with unit_of_work():
        delivery.attempts += 1
        delivery.response_status, delivery.response_excerpt, delivery.error = status, excerpt, error
        delivery.latency_ms, delivery.last_attempt_at = latency, now
        if ok:
            delivery.status, endpoint.consecutive_failures = "succeeded", 0
        else:
            endpoint.consecutive_failures = (endpoint.consecutive_failures or 0) + 1
            limit = int(current_app.config.get("WEBHOOK_DISABLE_AFTER", 50))
            if endpoint.consecutive_failures >= limit and endpoint.enabled:
                endpoint.enabled, disabled = False, True
                endpoint.disabled_reason = f"{endpoint.consecutive_failures} consecutive failed deliveries"
            last = delivery.attempts >= MAX_ATTEMPTS or not endpoint.enabled
            delivery.status = "failed" if last else "retrying"
    if disabled:
        _tell_owners_disabled(endpoint)
    if not ok and delivery.status == "retrying":
        raise DeliveryFailed(f"delivery {delivery_id}: {status or error}")
    return delivery.status


def _tell_owners_disabled(endpoint: WebhookEndpoint) -> None:
    """Email the tenant's owners (platform endpoints: the platform admins) that the endpoint was disabled."""
    from app.models import TenantUser, User
    from app.services.emails import queue_mail, recipient_language, speaking

    if endpoint.tenant_id:
        people = db.session.scalars(select(User).join(TenantUser, TenantUser.user_id == User.id)
                                    .where(TenantUser.tenant_id == endpoint.tenant_id, TenantUser.role == "owner"))
    else:
        people = db.session.scalars(select(User).where(User.is_platform_admin.is_(True)))
    for person in list(people):
        with speaking(recipient_language(person.email)):
            queue_mail(person.email, gettext("A webhook endpoint was disabled"),
                       gettext("Deliveries to %(url)s failed %(n)s times in a row, so the endpoint was disabled. "
                               "Enable it again in Settings → Webhooks once it answers.",
                               url=endpoint.url, n=endpoint.consecutive_failures),
                       kind="webhook_disabled", tenant_id=endpoint.tenant_id)
