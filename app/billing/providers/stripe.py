"""Stripe as the payment rail (BILLING_PROVIDER=stripe; docs/billing.md, "Stripe").

Tenantry stays the ledger: periods, proration, invoice numbers and the dunning walk are the same
rules as with the manual provider. Stripe holds what it is good at:

- a Customer per tenant (`subscriptions.provider_customer_id`), with the card on it;
- a Plan per (plan, price, currency), created from the plan table on first use, id
  `tenantry-<code>-<cents>-<currency>` (Stripe Plans are accepted wherever a Price id is);
- a Subscription per paying tenant (`provider_subscription_id`) mirroring the plan and the period
  end (its first period is a trial that ends when Tenantry's period does, so both renew on the same
  day) and cancel-at-period-end. Its renewal invoices are what Stripe charges each month; their
  `invoice.paid` / `invoice.payment_failed` webhooks settle or fail Tenantry's period invoice
  (app/billing/stripe_events.py). `collect` therefore leaves a period invoice to the subscription;
- everything else Tenantry invoices (an upgrade's proration, a first invoice, an Enterprise line) is
  charged at once with a PaymentIntent off-session against the default card, its metadata naming
  the Tenantry invoice.

Checkout (mode `setup`, to add a card) and the Customer Portal are links this module creates.

The client is stripe-python's `StripeClient`, pointed elsewhere with STRIPE_API_BASE (localstripe in
the tests). No call here runs inside a database transaction: callers commit first.
"""

from __future__ import annotations

import stripe
from flask import current_app
from sqlalchemy import func, select

from app.billing.providers import Collection
from app.extensions import db
from app.models import Invoice, Payment, Plan, Subscription, Tenant

NAME = "stripe"
PERIOD_REASON = "period"
METADATA_INVOICE = "tenantry_invoice_id"
METADATA_TENANT = "tenant_id"


class StripeNotConfigured(RuntimeError):
    """BILLING_PROVIDER=stripe without STRIPE_SECRET_KEY."""


def client() -> stripe.StripeClient:
    config = current_app.config
    key = config.get("STRIPE_SECRET_KEY")
    if not key:
        raise StripeNotConfigured("BILLING_PROVIDER=stripe needs STRIPE_SECRET_KEY (see .env.example).")
    base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(key, base_addresses={"api": base} if base else None, max_network_retries=2)


def stripe_plan_id(plan: Plan, amount_cents: int, currency: str) -> str:
    """A price is immutable in Stripe: a new list price is a new id, and subscriptions move to it."""
    return f"tenantry-{plan.code}-{amount_cents}-{currency.lower()}"


def _attempts(invoice: Invoice) -> int:
    """Payment attempts so far: each new attempt is a new idempotency key, a retried request is not."""
    return db.session.scalar(select(func.count(Payment.id)).where(Payment.invoice_id == invoice.id)) or 0


def _timestamp(moment) -> int:
    return int(moment.timestamp())


class StripeProvider:
    name = NAME

    def __init__(self, api: stripe.StripeClient | None = None) -> None:
        self.api = api or client()

    # --------------------------------------------------------------------------- customers, prices

    def ensure_customer(self, tenant: Tenant, subscription: Subscription) -> str:
        """The tenant's Stripe customer, created on first use (the caller stores the id)."""
        if subscription.provider_customer_id:
            return subscription.provider_customer_id
        customer = self.api.v1.customers.create({
            "name": subscription.company_name or tenant.name,
            **({"email": subscription.billing_email} if subscription.billing_email else {}),
            "metadata": {METADATA_TENANT: tenant.id, "slug": tenant.slug},
        }, {"idempotency_key": f"tenantry-customer-{tenant.id}"})
        return customer.id

    def ensure_price(self, plan: Plan, amount_cents: int, currency: str) -> str:
        plan_id = stripe_plan_id(plan, amount_cents, currency)
        try:
            return self.api.v1.plans.retrieve(plan_id).id
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:
                raise
        return self.api.v1.plans.create({
            "id": plan_id, "amount": amount_cents, "currency": currency.lower(), "interval": "month",
            "nickname": plan.name, "product": {"name": f"{plan.name} plan"},
        }).id

    # --------------------------------------------------------------------------- payment methods

    def attach_payment_method(self, customer_id: str, payment_method_id: str) -> str:
        """Attach a card (a `pm_` id from Stripe.js or Checkout) and make it the customer's default.
        Returns how the card reads on the billing page ("card visa 4242")."""
        method = self.api.v1.payment_methods.attach(payment_method_id, {"customer": customer_id})
        self.api.v1.customers.update(customer_id, {"invoice_settings": {"default_payment_method": method.id}})
        card = method.to_dict().get("card") or {}
        return f"card {card.get('brand', '')} {card.get('last4', '')}".strip() if card else "card"

    # --------------------------------------------------------------------------- the subscription

    def sync_subscription(self, tenant: Tenant, subscription: Subscription, customer_id: str,
                          plan: Plan, amount_cents: int) -> str | None:
        """Make Stripe's subscription match Tenantry's: created for a paid plan, its plan (`plan`: the
        next period's, so a scheduled downgrade is what Stripe's next renewal charges, with no
        proration) and cancel-at-period-end kept equal, cancelled at once on a free plan. Returns its
        id (or None); the caller stores it."""
        if amount_cents <= 0:
            if subscription.provider_subscription_id:
                self.api.v1.subscriptions.cancel(subscription.provider_subscription_id)
            return None
        plan_id = self.ensure_price(plan, amount_cents, subscription.currency)
        if subscription.provider_subscription_id:
            current = self.api.v1.subscriptions.retrieve(subscription.provider_subscription_id)
            items = current.to_dict().get("items", {}).get("data", [])
            changes: dict = {"cancel_at_period_end": bool(subscription.cancel_at_period_end)}
            if items and (items[0].get("plan") or {}).get("id") != plan_id:
                changes["items"] = [{"id": items[0]["id"], "plan": plan_id}]
                changes["proration_behavior"] = "none"  # Tenantry invoiced the proration itself
            self.api.v1.subscriptions.update(current.id, changes)
            return current.id
        created = self.api.v1.subscriptions.create({
            "customer": customer_id, "items": [{"plan": plan_id}],
            # Tenantry invoiced the current period; Stripe's first charge is the next renewal.
            "trial_end": _timestamp(subscription.current_period_end),
            "metadata": {METADATA_TENANT: tenant.id},
        }, {"idempotency_key": f"tenantry-subscription-{tenant.id}-{_timestamp(subscription.current_period_end)}"})
        if subscription.cancel_at_period_end:
            self.api.v1.subscriptions.update(created.id, {"cancel_at_period_end": True})
        return created.id

    # --------------------------------------------------------------------------- collecting

    def collect(self, tenant: Tenant, subscription: Subscription, invoice: Invoice) -> Collection:
        """A period invoice is Stripe's subscription's to charge (the webhook settles it); any other
        open invoice is charged now against the default card."""
        if invoice.reason == PERIOD_REASON and subscription.provider_subscription_id:
            return Collection("pending")
        if not subscription.provider_customer_id:
            return Collection("failed", "No card on file with Stripe.")
        customer = self.api.v1.customers.retrieve(subscription.provider_customer_id)
        method = (customer.to_dict().get("invoice_settings") or {}).get("default_payment_method")
        if not method:
            return Collection("failed", "No card on file with Stripe.")
        try:
            intent = self.api.v1.payment_intents.create({
                "amount": invoice.total_cents, "currency": invoice.currency.lower(),
                "customer": subscription.provider_customer_id, "payment_method": method,
                "confirm": True, "off_session": True,
                "metadata": {METADATA_INVOICE: str(invoice.id), METADATA_TENANT: tenant.id,
                             "invoice_number": invoice.display_number},
            }, {"idempotency_key": f"tenantry-invoice-{invoice.id}-{_attempts(invoice)}"})
        except stripe.CardError as exc:
            return Collection("failed", exc.user_message or "The card was declined.",
                              provider_payment_id=(exc.error.payment_intent or {}).get("id") if exc.error else None)
        if intent.status == "succeeded":
            return Collection("paid", provider_payment_id=intent.id)
        if intent.status in ("processing", "requires_capture"):
            return Collection("pending", provider_payment_id=intent.id)
        error = intent.to_dict().get("last_payment_error") or {}
        return Collection("failed", error.get("message") or "The card was declined.", provider_payment_id=intent.id)

    # --------------------------------------------------------------------------- hosted pages

    def checkout_url(self, tenant: Tenant, subscription: Subscription, customer_id: str, success_url: str,
                     cancel_url: str) -> str:
        """A Stripe Checkout page (mode `setup`) where the owner adds a card; `checkout.session.completed`
        brings it back (stripe_events)."""
        session = self.api.v1.checkout.sessions.create({
            "mode": "setup", "customer": customer_id,
            "currency": subscription.currency.lower(), "success_url": success_url, "cancel_url": cancel_url,
            "metadata": {METADATA_TENANT: tenant.id},
        })
        return session.url

    def portal_url(self, customer_id: str, return_url: str) -> str:
        """Stripe's Customer Portal for this customer (cards, receipts)."""
        session = self.api.v1.billing_portal.sessions.create({"customer": customer_id, "return_url": return_url})
        return session.url
