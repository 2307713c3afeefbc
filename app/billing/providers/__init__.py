"""How money is collected, behind one small interface, so the embedded default needs no third party.

    collect(tenant, subscription, invoice, now) -> Collection   try to take payment for an open invoice

`manual` (the default): invoices are paid by bank transfer and a platform admin marks them paid;
`collect` leaves the invoice open, and it counts as failed once its due date passes (the tick).
`stripe` (BILLING_PROVIDER=stripe, STRIPE_SECRET_KEY): cards through Stripe, webhooks settle
(providers/stripe.py, app/billing/stripe_events.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flask import current_app

from app.models import Invoice, Subscription, Tenant


@dataclass(frozen=True)
class Collection:
    """The outcome of one try: `paid`, `failed` (with why) or `pending` (wait: transfer, webhook)."""

    outcome: str
    message: str | None = None
    provider_payment_id: str | None = None


class Provider(Protocol):
    name: str

    def collect(self, tenant: Tenant, subscription: Subscription, invoice: Invoice) -> Collection: ...


def get_provider(name: str | None = None) -> Provider:
    from app.billing.providers import manual

    name = name or current_app.config.get("BILLING_PROVIDER", "manual")
    if name == "manual":
        return manual.ManualProvider()
    if name == "stripe":
        from app.billing.providers import stripe

        return stripe.StripeProvider()
    raise ValueError(f"unknown billing provider {name!r}")
