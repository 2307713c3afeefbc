"""Stripe against localstripe: an upgrade creates the customer and subscription there and charges the
proration; a declined card makes the tenant past_due; cancel/resume reach Stripe; Checkout and the
Customer Portal are links to Stripe's hosted pages (owners only, CSRF, other tenants 404)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.billing import stripe_billing, subscriptions
from app.billing.providers.stripe import StripeProvider
from app.extensions import db
from app.models import Invoice, Payment, Subscription, Tenant
from app.models.enums import InvoiceStatus, TenantStatus
from app.services.audit import Actor
from tests import factories
from tests.billing.stripe.helpers import DECLINED_ON_CHARGE, card, stripe_api
from tests.conftest import csrf_token, login


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def acme(app):
    tenant = factories.tenant("acme", plan="free")
    subscriptions.ensure_subscription(tenant)
    return tenant


def _subscription(tenant: Tenant) -> Subscription:
    db.session.expire_all()
    return db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant.id))


def test_new_subscriptions_are_collected_by_stripe(acme):
    assert _subscription(acme).provider == "stripe"


def test_an_upgrade_creates_the_customer_and_subscription_in_stripe_and_charges_the_proration(app, acme, client):
    stripe_billing.attach_card(acme, card(app), Actor.system())
    response = client.post("/api/v1/tenants/acme/change-plan", headers=auth(factories.api_key(acme, "owner")),
                           json={"new_plan": "pro"})
    assert response.status_code == 200, response.get_json()

    sub = _subscription(acme)
    api = stripe_api(app)
    customer = api.v1.customers.retrieve(sub.provider_customer_id)
    assert customer.metadata["tenant_id"] == acme.id
    remote = api.v1.subscriptions.retrieve(sub.provider_subscription_id).to_dict()
    assert remote["items"]["data"][0]["plan"]["id"] == "tenantry-pro-29900-usd"
    assert remote["customer"] == customer.id and remote["trial_end"] == int(sub.current_period_end.timestamp())
    assert api.v1.plans.retrieve("tenantry-pro-29900-usd").amount == 29_900

    upgrade = db.session.scalar(select(Invoice).where(Invoice.tenant_id == acme.id, Invoice.reason == "upgrade"))
    assert upgrade.status == InvoiceStatus.PAID and upgrade.total_cents > 0
    payment = db.session.scalar(select(Payment).where(Payment.invoice_id == upgrade.id))
    assert payment.provider == "stripe" and payment.provider_payment_id.startswith("pi_")
    intent = api.v1.payment_intents.retrieve(payment.provider_payment_id)
    assert intent.amount == upgrade.total_cents and intent.metadata["tenantry_invoice_id"] == str(upgrade.id)


def test_a_declined_card_makes_the_tenant_past_due(app, acme, client):
    stripe_billing.attach_card(acme, card(app, DECLINED_ON_CHARGE), Actor.system())
    client.post("/api/v1/tenants/acme/change-plan", headers=auth(factories.api_key(acme, "owner")),
                json={"new_plan": "basic"})
    db.session.expire_all()
    tenant = db.session.get(Tenant, acme.id)
    assert tenant.status == TenantStatus.PAST_DUE and tenant.plan_code == "basic"
    upgrade = db.session.scalar(select(Invoice).where(Invoice.tenant_id == acme.id, Invoice.reason == "upgrade"))
    assert upgrade.status == InvoiceStatus.OPEN
    failed = db.session.scalar(select(Payment).where(Payment.invoice_id == upgrade.id))
    assert failed.status == "failed" and failed.provider == "stripe"


def test_a_working_card_added_while_past_due_pays_and_reactivates(app, acme, client):
    stripe_billing.attach_card(acme, card(app, DECLINED_ON_CHARGE), Actor.system())
    client.post("/api/v1/tenants/acme/change-plan", headers=auth(factories.api_key(acme, "owner")),
                json={"new_plan": "basic"})
    stripe_billing.attach_card(db.session.get(Tenant, acme.id), card(app), Actor.system())
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).status == TenantStatus.ACTIVE
    assert _subscription(acme).payment_method == "card visa 4242"


def test_a_period_invoice_is_left_to_the_stripe_subscription(app, acme):
    stripe_billing.attach_card(acme, card(app), Actor.system())
    subscriptions.change_plan(acme, "basic", Actor.system())
    stripe_billing.sync(db.session.get(Tenant, acme.id))
    sub = _subscription(acme)
    period = Invoice(reason="period", total_cents=9_900, currency="USD", id=0)
    assert StripeProvider().collect(acme, sub, period).outcome == "pending"


def test_cancel_and_resume_reach_the_stripe_subscription(app, acme, client):
    stripe_billing.attach_card(acme, card(app), Actor.system())
    headers = auth(factories.api_key(acme, "owner"))
    client.post("/api/v1/tenants/acme/change-plan", headers=headers, json={"new_plan": "basic"})
    api = stripe_api(app)

    assert client.post("/api/v1/tenants/acme/subscription/cancel", headers=headers).status_code == 200
    assert api.v1.subscriptions.retrieve(_subscription(acme).provider_subscription_id).cancel_at_period_end is True
    assert client.post("/api/v1/tenants/acme/subscription/resume", headers=headers).status_code == 200
    assert api.v1.subscriptions.retrieve(_subscription(acme).provider_subscription_id).cancel_at_period_end is False


@pytest.mark.parametrize(("path", "host"), [("checkout", "checkout.stripe.com"), ("portal", "billing.stripe.com")])
def test_the_owner_is_sent_to_stripes_hosted_pages(acme, client, path, host):
    login(client, acme.owner)
    response = client.post(f"/t/acme/billing/stripe/{path}", data={"csrf_token": csrf_token(client, "/t/acme/billing")})
    assert response.status_code == 303 and response.headers["Location"].startswith(f"https://{host}/")
    assert _subscription(acme).provider_customer_id.startswith("cus_")


@pytest.mark.parametrize("path", ["checkout", "portal"])
def test_hosted_pages_need_an_owner_and_the_tenant(acme, client, path):
    viewer = factories.member(acme, "viewer")
    login(client, viewer)
    token = csrf_token(client, "/t/acme/")
    assert client.post(f"/t/acme/billing/stripe/{path}", data={"csrf_token": token}).status_code == 403
    other = factories.tenant("globex")
    login(client, other.owner)
    token = csrf_token(client, "/t/globex/billing")
    assert client.post(f"/t/acme/billing/stripe/{path}", data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("path", ["checkout", "portal"])
def test_hosted_pages_refuse_a_post_without_csrf(acme, client, path):
    login(client, acme.owner)
    response = client.post(f"/t/acme/billing/stripe/{path}")
    assert response.status_code in (302, 400) and "stripe.com" not in response.headers.get("Location", "")


def test_the_billing_page_offers_a_card_through_checkout_and_then_the_portal(app, acme, client):
    login(client, acme.owner)
    html = client.get("/t/acme/billing").get_data(as_text=True)
    assert 'data-testid="stripe-checkout"' in html and "Add a card" in html and "Pay by bank transfer" not in html
    stripe_billing.attach_card(acme, card(app), Actor.system())
    html = client.get("/t/acme/billing").get_data(as_text=True)
    assert "card visa 4242" in html and "Change card" in html and 'data-testid="stripe-portal"' in html


def test_a_scheduled_downgrade_is_what_stripes_next_renewal_charges(app, acme, client):
    stripe_billing.attach_card(acme, card(app), Actor.system())
    headers = auth(factories.api_key(acme, "owner"))
    client.post("/api/v1/tenants/acme/change-plan", headers=headers, json={"new_plan": "pro"})
    response = client.post("/api/v1/tenants/acme/change-plan", headers=headers, json={"new_plan": "basic"})
    assert response.status_code == 200
    sub = _subscription(acme)
    assert sub.scheduled_plan_code == "basic" and db.session.get(Tenant, acme.id).plan_code == "pro"
    remote = stripe_api(app).v1.subscriptions.retrieve(sub.provider_subscription_id).to_dict()
    assert remote["items"]["data"][0]["plan"]["id"] == "tenantry-basic-9900-usd"


def test_a_card_added_in_checkout_becomes_the_default_once(app, acme, client):
    from tests.billing.stripe.helpers import deliver, event

    customer_id = stripe_billing.ensure_customer(acme)
    api = stripe_api(app)
    setup = api.v1.setup_intents.create({"customer": customer_id})
    api.v1.setup_intents.confirm(setup.id, {"payment_method": card(app)})
    completed = event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session",
                                                     "mode": "setup", "customer": customer_id,
                                                     "setup_intent": setup.id})
    assert deliver(client, completed).get_json()["outcome"] == "applied"
    assert deliver(client, completed).get_json()["outcome"] == "duplicate"
    assert _subscription(acme).payment_method == "card visa 4242"
    default = api.v1.customers.retrieve(customer_id).to_dict()["invoice_settings"]["default_payment_method"]
    assert default and default.startswith("pm_")
    from app.models import AuditEvent

    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "billing.payment_method_set")) == 1
