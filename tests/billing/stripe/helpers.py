"""What the Stripe tests share: a client on localstripe (as Stripe.js or Checkout would hold the card),
cards by Stripe's test numbers, and webhook deliveries signed with stripe-python's own scheme."""

from __future__ import annotations

import json
import secrets
import time

import stripe
from flask import Flask

from tests.billing.stripe.conftest import WEBHOOK_SECRET

VISA = "4242424242424242"
DECLINED_ON_CHARGE = "4000000000000341"  # attaches, then every charge is declined
WEBHOOK = "/billing/stripe/webhook"


def stripe_api(app: Flask) -> stripe.StripeClient:
    return stripe.StripeClient(app.config["STRIPE_SECRET_KEY"],
                               base_addresses={"api": app.config["STRIPE_API_BASE"]}, max_network_retries=0)


def card(app: Flask, number: str = VISA) -> str:
    """A payment method id for `number`, as the browser's Stripe.js would hand it over."""
    return stripe_api(app).v1.payment_methods.create({"type": "card", "card": {
        "number": number, "exp_month": 12, "exp_year": 2040, "cvc": "123"}}).id


def event(kind: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
    return {"id": event_id or "evt_" + secrets.token_hex(12), "object": "event", "type": kind,
            "created": int(time.time()) if created is None else created, "livemode": False,
            "api_version": stripe.api_version, "data": {"object": obj}}


def deliver(client, body: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
            signature: str | None = None):
    """POST the event as Stripe does: JSON body, `Stripe-Signature: t=...,v1=...`."""
    payload = json.dumps(body)
    header = signature or stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return client.post(WEBHOOK, data=payload, content_type="application/json", headers={"Stripe-Signature": header})
