"""Stripe's faces of the Billing page: its webhook, and the hosted pages an owner is sent to
(Checkout to add a card, the Customer Portal). Thin: app/billing/stripe_billing.py, stripe_events.py."""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for

from app.billing import stripe_billing, stripe_events
from app.extensions import csrf
from app.services.errors import DomainError
from app.tenancy.context import current_tenant
from app.web.billing import bp
from app.web.billing.forms import ActionForm


@bp.public("/billing/stripe/webhook", methods=["POST"],
           reason="Stripe calls it; the signature (STRIPE_WEBHOOK_SECRET) is the authentication")
@csrf.exempt
def stripe_webhook():
    try:
        event = stripe_events.verify(request.get_data(), request.headers.get("Stripe-Signature"))
    except DomainError as exc:
        return jsonify({"error": exc.to_dict()}), exc.http_status
    handled = stripe_events.handle(event)
    return jsonify({"received": True, "event": handled.event_id, "outcome": handled.outcome})


def _billing_url() -> str:
    return url_for("billing.index", tenant_slug=current_tenant.slug, _external=True)


@bp.tenant("/billing/stripe/checkout", "billing.manage", methods=["POST"])
def stripe_checkout():
    if not ActionForm().validate_on_submit():
        return redirect(_billing_url())
    url = stripe_billing.checkout_url(current_tenant._get_current_object(), success_url=_billing_url() + "?card=added",
                                      cancel_url=_billing_url())
    return redirect(url, code=303)


@bp.tenant("/billing/stripe/portal", "billing.manage", methods=["POST"])
def stripe_portal():
    if not ActionForm().validate_on_submit():
        return redirect(_billing_url())
    return redirect(stripe_billing.portal_url(current_tenant._get_current_object(), _billing_url()), code=303)
