"""Stripe's webhooks: signed with stripe-python's own scheme (`stripe.WebhookSignature`). A paid invoice
settles, a failed payment makes the tenant past_due, Customer Portal cancellations come back; an event
delivered twice or out of order changes nothing twice; a bad signature or a replay is 400 and changes nothing."""

from __future__ import annotations

import time

import pytest
import stripe
from sqlalchemy import func, select

from app.billing import lifecycle, subscriptions
from app.extensions import db
from app.models import AuditEvent, Invoice, Payment, ProviderEvent, Subscription, Tenant
from app.models.enums import InvoiceStatus, TenantStatus
from app.models.types import utcnow
from app.services.audit import Actor
from tests import factories
from tests.billing.stripe.helpers import deliver, event


@pytest.fixture
def acme(app):
    """A Basic tenant paying through Stripe, its first invoice open, known to Stripe by these ids."""
    tenant = factories.tenant("acme", plan="basic")
    subscription = subscriptions.ensure_subscription(tenant)
    subscription.provider_customer_id, subscription.provider_subscription_id = "cus_acme", "sub_acme"
    subscription.payment_method = "card visa 4242"
    db.session.commit()
    return tenant


def _open_invoice(tenant: Tenant) -> Invoice:
    return db.session.scalar(select(Invoice).where(Invoice.tenant_id == tenant.id).order_by(Invoice.number))


def _fresh(tenant: Tenant) -> tuple[Tenant, Subscription, Invoice]:
    db.session.expire_all()
    return (db.session.get(Tenant, tenant.id),
            db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant.id)), _open_invoice(tenant))


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _stripe_invoice(invoice: Invoice | None = None, **extra) -> dict:
    obj = {"id": "in_1", "object": "invoice", "customer": "cus_acme", "subscription": "sub_acme",
           "payment_intent": "pi_1", "amount_paid": invoice.total_cents if invoice else 0, "metadata": {}}
    if invoice is not None:
        obj["metadata"] = {"tenantry_invoice_id": str(invoice.id)}
    return {**obj, **extra}


def test_a_paid_invoice_settles_and_a_redelivery_changes_nothing(acme, client):
    invoice = _open_invoice(acme)
    paid = event("invoice.paid", _stripe_invoice(invoice))
    first = deliver(client, paid)
    assert first.status_code == 200 and first.get_json()["outcome"] == "applied"
    again = deliver(client, paid)
    assert again.status_code == 200 and again.get_json()["outcome"] == "duplicate"
    _, _, invoice = _fresh(acme)
    assert invoice.status == InvoiceStatus.PAID
    assert _count(Payment, Payment.invoice_id == invoice.id) == 1
    assert _count(AuditEvent, AuditEvent.action == "billing.invoice_paid") == 1


def test_a_renewal_the_stripe_subscription_charged_settles_the_oldest_open_period_invoice(acme, client):
    response = deliver(client, event("invoice.paid", _stripe_invoice()))
    assert response.get_json()["outcome"] == "applied"
    assert _fresh(acme)[2].status == InvoiceStatus.PAID


def test_a_failed_payment_makes_the_tenant_past_due_and_paying_reactivates(acme, client):
    invoice = _open_invoice(acme)
    failed = event("invoice.payment_failed", _stripe_invoice(invoice, id="in_2"), created=int(time.time()) - 30)
    assert deliver(client, failed).get_json()["outcome"] == "applied"
    tenant, subscription, invoice = _fresh(acme)
    assert tenant.status == TenantStatus.PAST_DUE and subscription.past_due_since is not None
    assert _count(AuditEvent, AuditEvent.action == "billing.payment_failed") == 1

    assert deliver(client, event("invoice.paid", _stripe_invoice(invoice, id="in_2"))).get_json()["outcome"] == "applied"
    tenant, subscription, invoice = _fresh(acme)
    assert tenant.status == TenantStatus.ACTIVE and subscription.past_due_since is None
    assert invoice.status == InvoiceStatus.PAID


def test_a_failure_arriving_after_the_payment_changes_nothing(acme, client):
    invoice = _open_invoice(acme)
    now = int(time.time())
    assert deliver(client, event("invoice.paid", _stripe_invoice(invoice), created=now)).get_json()["outcome"] == "applied"
    late = deliver(client, event("invoice.payment_failed", _stripe_invoice(invoice), created=now - 120))
    assert late.status_code == 200 and late.get_json()["outcome"] == "stale"
    tenant, _, invoice = _fresh(acme)
    assert tenant.status == TenantStatus.ACTIVE and invoice.status == InvoiceStatus.PAID
    assert _count(Payment, Payment.invoice_id == invoice.id, Payment.status == "failed") == 0


def test_a_failure_collect_already_recorded_is_not_recorded_again(acme, client):
    invoice = _open_invoice(acme)
    tenant, subscription, invoice = _fresh(acme)
    lifecycle._payment_failed(tenant, subscription, invoice, utcnow(), "declined", Actor.system(),
                              provider="stripe", provider_payment_id="pi_9")
    db.session.commit()
    intent = {"id": "pi_9", "object": "payment_intent", "customer": "cus_acme",
              "metadata": {"tenantry_invoice_id": str(invoice.id)}, "last_payment_error": {"message": "declined"}}
    assert deliver(client, event("payment_intent.payment_failed", intent)).get_json()["outcome"] == "ignored"
    assert _count(Payment, Payment.invoice_id == invoice.id) == 1


def test_a_cancellation_in_the_customer_portal_comes_back_and_an_older_update_is_stale(acme, client):
    now = int(time.time())
    cancelled = {"id": "sub_acme", "object": "subscription", "customer": "cus_acme", "cancel_at_period_end": True}
    assert deliver(client, event("customer.subscription.updated", cancelled, created=now)).get_json()["outcome"] == "applied"
    _, subscription, _ = _fresh(acme)
    assert subscription.cancel_at_period_end and subscription.scheduled_plan_code == "free"

    older = {**cancelled, "cancel_at_period_end": False}
    response = deliver(client, event("customer.subscription.updated", older, created=now - 60))
    assert response.get_json()["outcome"] == "stale"
    assert _fresh(acme)[1].cancel_at_period_end is True

    resumed = deliver(client, event("customer.subscription.updated", older, created=now + 1))
    assert resumed.get_json()["outcome"] == "applied" and _fresh(acme)[1].cancel_at_period_end is False


def test_a_deleted_stripe_subscription_moves_the_tenant_to_free_at_the_period_end(acme, client):
    gone = {"id": "sub_acme", "object": "subscription", "customer": "cus_acme", "status": "canceled"}
    assert deliver(client, event("customer.subscription.deleted", gone)).get_json()["outcome"] == "applied"
    tenant, subscription, _ = _fresh(acme)
    assert subscription.provider_subscription_id is None and subscription.scheduled_plan_code == "free"
    assert tenant.plan_code == "basic"  # paid until the period end


def test_an_event_about_nobody_we_know_is_recorded_and_ignored(acme, client):
    response = deliver(client, event("invoice.paid", {"id": "in_x", "object": "invoice", "customer": "cus_other"}))
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert _fresh(acme)[2].status == InvoiceStatus.OPEN


def _nothing_changed(tenant: Tenant) -> None:
    fresh, _, invoice = _fresh(tenant)
    assert invoice.status == InvoiceStatus.OPEN and fresh.status == TenantStatus.ACTIVE
    assert _count(ProviderEvent) == 0 and _count(Payment) == 0


@pytest.mark.parametrize("how", ["wrong secret", "tampered body", "no signature", "garbage header"])
def test_a_badly_signed_delivery_is_refused_and_changes_nothing(acme, client, how):
    paid = event("invoice.paid", _stripe_invoice(_open_invoice(acme)))
    if how == "wrong secret":
        response = deliver(client, paid, secret="whsec_someone_else")
    elif how == "tampered body":
        import json

        header = stripe.WebhookSignature.generate_signature_header(json.dumps({**paid, "type": "ping"}),
                                                                    "whsec_tenantry_test")
        response = deliver(client, paid, signature=header)
    elif how == "no signature":
        response = client.post("/billing/stripe/webhook", json=paid)
    else:
        response = deliver(client, paid, signature="t=abc,v1=")
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_webhook"
    _nothing_changed(acme)


def test_a_replayed_delivery_with_an_old_timestamp_is_refused(acme, client):
    paid = event("invoice.paid", _stripe_invoice(_open_invoice(acme)))
    response = deliver(client, paid, timestamp=int(time.time()) - 600)  # correctly signed, 10 minutes ago
    assert response.status_code == 400
    _nothing_changed(acme)


def test_without_a_webhook_secret_every_delivery_is_refused(acme, client, server_app):
    server_app.config["STRIPE_WEBHOOK_SECRET"] = None
    response = deliver(client, event("invoice.paid", _stripe_invoice(_open_invoice(acme))))
    assert response.status_code == 400
    _nothing_changed(acme)
