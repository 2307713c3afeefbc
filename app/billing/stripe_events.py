"""Stripe's webhooks (`POST /billing/stripe/webhook`): verified, then applied at most once.

- The signature is checked by stripe-python (`stripe.Webhook.construct_event`, STRIPE_WEBHOOK_SECRET),
  with Stripe's tolerance of 5 minutes: a badly signed or replayed (old timestamp) delivery is
  refused with 400 and changes nothing.
- Each event id is written to `billing_provider_events` in the same unit of work as its effect, under
  the tenant's lock: a second delivery finds it and changes nothing.
- Out of order: an event about an object (a Stripe subscription, invoice, payment) older than one
  already applied to it is recorded as `stale` and changes nothing; effects also check the state
  they change (a failure reported after the invoice was paid leaves it paid).

What each type does:
    invoice.paid / invoice.payment_succeeded   settle the Tenantry invoice (lifecycle.record_paid)
    payment_intent.succeeded                   the same, for a charge `collect` made
    invoice.payment_failed / payment_intent.payment_failed
                                               the failed-payment path (past_due, dunning)
    customer.subscription.updated              cancel-at-period-end set or withdrawn in the Customer Portal
    customer.subscription.deleted              the Stripe subscription ended: Free at the period end
    checkout.session.completed                 the card added in Checkout becomes the default
Anything else is recorded as `ignored`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import stripe
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.billing import lifecycle, notices, subscriptions
from app.billing.providers.stripe import METADATA_INVOICE, NAME, PERIOD_REASON
from app.extensions import db
from app.models import Invoice, Payment, ProviderEvent, Subscription, Tenant
from app.models.enums import InvoiceStatus
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import DomainError
from app.services.transaction import lock_tenant, unit_of_work

TOLERANCE_SECONDS = 300  # Stripe's default: a delivery signed longer ago than this is a replay
PAID = ("invoice.paid", "invoice.payment_succeeded", "payment_intent.succeeded")
FAILED = ("invoice.payment_failed", "payment_intent.payment_failed")
SUBSCRIPTION = ("customer.subscription.updated", "customer.subscription.deleted")
CHECKOUT = ("checkout.session.completed",)


class BadWebhook(DomainError):
    code = "bad_webhook"
    http_status = 400


@dataclass(frozen=True)
class Handled:
    event_id: str
    outcome: str  # applied | ignored | stale | duplicate


def verify(payload: bytes, signature: str | None) -> dict:
    """The event, if Stripe signed this payload recently with our secret; else `BadWebhook`."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise BadWebhook(gettext("Stripe webhooks are not configured."))
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=TOLERANCE_SECONDS,
                                               api_key=current_app.config.get("STRIPE_SECRET_KEY"))
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise BadWebhook(gettext("The Stripe signature is not valid.")) from exc
    data = event.to_dict()
    if not isinstance(data.get("id"), str) or not isinstance((data.get("data") or {}).get("object"), dict):
        raise BadWebhook(gettext("The Stripe signature is not valid."))
    return data


def handle(event: dict, now: datetime | None = None) -> Handled:
    """Apply one verified event at most once (module docstring)."""
    now = now or utcnow()
    event_id, kind = event["id"], str(event.get("type", ""))
    obj = event["data"]["object"]
    if db.session.get(ProviderEvent, event_id) is not None:
        return Handled(event_id, "duplicate")
    if kind in CHECKOUT:
        _card_from_checkout(obj)
    subscription = _subscription_for(kind, obj)
    try:
        if subscription is None:
            with unit_of_work() as session:
                if session.get(ProviderEvent, event_id) is not None:
                    return Handled(event_id, "duplicate")
                session.add(_row(event, obj, "ignored"))
            return Handled(event_id, "ignored")
        tenant = db.session.get(Tenant, subscription.tenant_id)
        reactivated_from = None
        with unit_of_work() as session:
            lock_tenant(session, tenant.id)
            if session.get(ProviderEvent, event_id) is not None:
                return Handled(event_id, "duplicate")
            session.refresh(tenant)
            session.refresh(subscription)
            if _stale(event, obj):
                outcome = "stale"
            else:
                outcome, reactivated_from = _apply(kind, obj, tenant, subscription, _moment(event, now))
            session.add(_row(event, obj, outcome))
    except IntegrityError:  # the same event delivered twice at once: the other delivery applied it
        db.session.rollback()
        return Handled(event_id, "duplicate")
    if reactivated_from:
        notices.notify(tenant, "reactivated")
    return Handled(event_id, outcome)


def _row(event: dict, obj: dict, outcome: str) -> ProviderEvent:
    return ProviderEvent(id=event["id"][:64], provider=NAME, type=str(event.get("type", ""))[:64],
                         object_id=str(obj.get("id") or "")[:64] or None, created=int(event.get("created") or 0),
                         outcome=outcome, handled_at=utcnow())


def _moment(event: dict, now: datetime) -> datetime:
    created = event.get("created")
    return datetime.fromtimestamp(int(created), UTC) if created else now


def _stale(event: dict, obj: dict) -> bool:
    """A later event about the same object was applied already."""
    object_id = obj.get("id")
    if not object_id:
        return False
    return db.session.scalar(select(ProviderEvent.id).where(
        ProviderEvent.provider == NAME, ProviderEvent.object_id == str(object_id)[:64],
        ProviderEvent.outcome == "applied", ProviderEvent.created > int(event.get("created") or 0)).limit(1)) is not None


def _by(column, value) -> Subscription | None:
    if not value:
        return None
    return db.session.scalar(select(Subscription).where(column == value, Subscription.provider == NAME))


def _subscription_for(kind: str, obj: dict) -> Subscription | None:
    """Whose event this is: Tenantry's invoice named in the metadata, else the Stripe subscription or customer."""
    if kind in PAID + FAILED:
        invoice = _named_invoice(obj)
        if invoice is not None:
            return db.session.scalar(select(Subscription).where(Subscription.tenant_id == invoice.tenant_id))
        return _by(Subscription.provider_subscription_id, obj.get("subscription")) or \
            _by(Subscription.provider_customer_id, obj.get("customer"))
    if kind in SUBSCRIPTION:
        return _by(Subscription.provider_subscription_id, obj.get("id"))
    if kind in CHECKOUT:
        return _by(Subscription.provider_customer_id, obj.get("customer"))
    return None


def _named_invoice(obj: dict) -> Invoice | None:
    value = str((obj.get("metadata") or {}).get(METADATA_INVOICE) or "")
    return db.session.get(Invoice, int(value)) if value.isdigit() and int(value) < 2**31 else None


def _target_invoice(obj: dict, tenant: Tenant) -> Invoice | None:
    """The Tenantry invoice a Stripe payment is for: the one its metadata names, or (a renewal the
    Stripe subscription charged) the tenant's oldest open period invoice."""
    named = _named_invoice(obj)
    if named is not None:
        return named if named.tenant_id == tenant.id else None
    if not obj.get("subscription"):
        return None
    return db.session.scalar(select(Invoice).where(
        Invoice.tenant_id == tenant.id, Invoice.status == InvoiceStatus.OPEN, Invoice.reason == PERIOD_REASON)
        .order_by(Invoice.number).limit(1))


def _payment_id(obj: dict) -> str | None:
    return str(obj.get("payment_intent") or obj.get("id") or "")[:64] or None


def _apply(kind: str, obj: dict, tenant: Tenant, subscription: Subscription,
           at: datetime) -> tuple[str, str | None]:
    actor = Actor.system()
    if kind in PAID:
        invoice = _target_invoice(obj, tenant)
        if invoice is None or invoice.status != InvoiceStatus.OPEN:
            return "ignored", None
        return "applied", lifecycle.record_paid(tenant, invoice, actor, now=at, provider=NAME,
                                                provider_payment_id=_payment_id(obj))
    if kind in FAILED:
        invoice = _target_invoice(obj, tenant)
        payment_id = _payment_id(obj)
        already = payment_id and db.session.scalar(select(Payment.id).where(
            Payment.invoice_id == (invoice.id if invoice else None), Payment.provider_payment_id == payment_id,
            Payment.status == "failed").limit(1))
        if invoice is None or invoice.status != InvoiceStatus.OPEN or already:
            return "ignored", None
        error = obj.get("last_payment_error") or {}
        lifecycle._payment_failed(tenant, subscription, invoice, at, error.get("message") or "The payment was declined.",
                                  actor, provider=NAME, provider_payment_id=payment_id)
        return "applied", None
    if kind == "customer.subscription.updated":
        wants_cancel = bool(obj.get("cancel_at_period_end"))
        if wants_cancel == bool(subscription.cancel_at_period_end):
            return "ignored", None
        if wants_cancel:
            _cancel_at_period_end(tenant, subscription, actor, "stripe_customer_portal")
        else:
            record("billing.downgrade_withdrawn", actor, tenant_id=tenant.id, target_type="tenant",
                   target_id=tenant.id, details={"was": subscription.scheduled_plan_code, "source": NAME})
            subscription.scheduled_plan_code = None
            subscription.cancel_at_period_end = False
        return "applied", None
    if kind == "customer.subscription.deleted":
        subscription.provider_subscription_id = None
        if tenant.plan_code != subscriptions.FREE_PLAN and not subscription.cancel_at_period_end:
            _cancel_at_period_end(tenant, subscription, actor, "stripe_subscription_deleted")
        return "applied", None
    if kind in CHECKOUT:
        return "applied", None
    return "ignored", None


def _cancel_at_period_end(tenant: Tenant, subscription: Subscription, actor: Actor, source: str) -> None:
    subscription.scheduled_plan_code = subscriptions.FREE_PLAN
    subscription.cancel_at_period_end = True
    record("billing.cancelled", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
           details={"effective_at": subscription.current_period_end.isoformat(), "plan": tenant.plan_code,
                    "source": source})


def _card_from_checkout(obj: dict) -> None:
    """Checkout (mode `setup`) finished: its SetupIntent's card becomes the default (an idempotent call)."""
    from app.billing import stripe_billing
    from app.billing.providers.stripe import StripeProvider

    subscription = _by(Subscription.provider_customer_id, obj.get("customer"))
    setup_intent = obj.get("setup_intent")
    if subscription is None or obj.get("mode") != "setup" or not setup_intent:
        return
    provider = StripeProvider()
    method = provider.api.v1.setup_intents.retrieve(str(setup_intent)).payment_method
    if method:
        tenant = db.session.get(Tenant, subscription.tenant_id)
        stripe_billing.attach_card(tenant, str(method), Actor.system())
