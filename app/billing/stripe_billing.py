"""Tenantry's side of Stripe: the ids kept on the subscription, the card on file, Stripe's subscription
kept in step with the plan, open invoices charged, and the hosted pages (Checkout, Customer Portal).

Each function makes its Stripe calls first and then writes what they returned in one unit of work, so
no database transaction waits on the network. Stripe's own idempotency keys make a repeated call
(a retried job) create nothing twice. The rules: app/billing/providers/stripe.py's docstring.
"""

from __future__ import annotations

from datetime import datetime

import stripe
from flask import current_app
from flask_babel import gettext

from app.billing import lifecycle, subscriptions
from app.billing.providers.stripe import NAME, StripeProvider
from app.extensions import db
from app.models import Subscription, Tenant
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import ValidationError
from app.services.plans import get_plan
from app.services.transaction import lock_tenant, unit_of_work


def enabled(subscription: Subscription | None = None) -> bool:
    """Stripe collects for this subscription (or, without one, for new tenants)."""
    if subscription is not None:
        return subscription.provider == NAME
    return current_app.config.get("BILLING_PROVIDER") == NAME


def _require_stripe(subscription: Subscription) -> None:
    if not enabled(subscription):
        raise ValidationError(gettext("This organization does not pay through Stripe."), code="not_stripe")


def _store(tenant: Tenant, subscription: Subscription, **values: object) -> None:
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        session.refresh(subscription)
        for name, value in values.items():
            setattr(subscription, name, value)


def ensure_customer(tenant: Tenant, provider: StripeProvider | None = None) -> str:
    """The tenant's Stripe customer id, creating the customer on first use."""
    subscription = subscriptions.ensure_subscription(tenant)
    _require_stripe(subscription)
    if subscription.provider_customer_id:
        return subscription.provider_customer_id
    customer_id = (provider or StripeProvider()).ensure_customer(tenant, subscription)
    _store(tenant, subscription, provider_customer_id=customer_id)
    return customer_id


def sync(tenant: Tenant, actor: Actor | None = None, now: datetime | None = None) -> Subscription | None:
    """Bring Stripe in line with Tenantry (customer, subscription, plan, cancel-at-period-end) and charge
    the open invoices nobody tried yet (an upgrade's proration). Safe to run any number of times."""
    subscription = subscriptions.find_subscription(tenant)
    if subscription is None or not enabled(subscription):
        return subscription
    provider = StripeProvider()
    customer_id = ensure_customer(tenant, provider)
    db.session.refresh(subscription)
    db.session.refresh(tenant)
    plan = tenant.plan
    if subscription.scheduled_plan_code and not subscription.cancel_at_period_end:
        plan = get_plan(subscription.scheduled_plan_code)  # Stripe's next renewal charges the next period's plan
    if subscriptions.price_cents(tenant.plan, subscription) <= 0:
        plan = tenant.plan  # nothing paid now: no Stripe subscription (a scheduled change needs a paid plan first)
    amount = subscriptions.price_cents(plan, subscription)
    subscription_id = provider.sync_subscription(tenant, subscription, customer_id, plan, amount)
    if subscription_id != subscription.provider_subscription_id:
        _store(tenant, subscription, provider_subscription_id=subscription_id)
    lifecycle.collect_open(tenant, actor or Actor.system(), now=now or utcnow())
    return subscription


def attach_card(tenant: Tenant, payment_method_id: str, actor: Actor, now: datetime | None = None) -> Subscription:
    """Put a card (a `pm_` id from Stripe.js or Checkout) on file as the default, then retry what is
    open with it: a past-due tenant that adds a working card is active again at once."""
    _require_stripe(subscriptions.ensure_subscription(tenant))
    if not payment_method_id.startswith("pm_"):
        raise ValidationError(gettext("A Stripe payment method id starts with pm_."), field="payment_method_id")
    provider = StripeProvider()
    customer_id = ensure_customer(tenant, provider)
    subscription = subscriptions.find_subscription(tenant)
    try:
        label = provider.attach_payment_method(customer_id, payment_method_id)
    except (stripe.InvalidRequestError, stripe.CardError) as exc:
        raise ValidationError(gettext("Stripe refused this card: %(reason)s", reason=exc.user_message or exc.code or ""),
                              field="payment_method_id", code="card_refused") from exc
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        session.refresh(subscription)
        subscription.payment_method = label
        record("billing.payment_method_set", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"method": label, "provider": NAME})
    lifecycle.collect_open(tenant, actor, now=now or utcnow(), retry_failed=True)
    sync(tenant, actor, now)
    return subscription


def checkout_url(tenant: Tenant, success_url: str, cancel_url: str) -> str:
    """Where the owner adds a card: a Stripe Checkout page (mode `setup`)."""
    _require_stripe(subscriptions.ensure_subscription(tenant))
    provider = StripeProvider()
    customer_id = ensure_customer(tenant, provider)
    subscription = subscriptions.find_subscription(tenant)
    return provider.checkout_url(tenant, subscription, customer_id, success_url, cancel_url)


def portal_url(tenant: Tenant, return_url: str) -> str:
    """Stripe's Customer Portal for the tenant (cards, receipts)."""
    _require_stripe(subscriptions.ensure_subscription(tenant))
    provider = StripeProvider()
    return provider.portal_url(ensure_customer(tenant, provider), return_url)
