"""API mirrors of the Billing page's actions: cancel/resume at the period end, billing details,
the payment method; owners only (403 below), another tenant's key 404, every change audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.billing import subscriptions
from app.extensions import db
from app.models import AuditEvent, Subscription
from tests import factories


@pytest.fixture
def acme(app):
    tenant = factories.tenant("acme", plan="basic")
    subscriptions.ensure_subscription(tenant)
    return tenant


def auth(tenant, role: str = "owner") -> dict:
    return {"Authorization": f"Bearer {factories.api_key(tenant, role)}"}


def _audited(action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def test_the_owner_cancels_at_the_period_end_and_resumes(acme, client):
    headers = auth(acme)
    cancelled = client.post("/api/v1/tenants/acme/subscription/cancel", headers=headers)
    body = cancelled.get_json()
    assert cancelled.status_code == 200 and body["cancel_at_period_end"] is True and body["scheduled_plan"] == "free"
    assert body["plan"] == "basic" and _audited("billing.cancelled") == 1
    resumed = client.post("/api/v1/tenants/acme/subscription/resume", headers=headers).get_json()
    assert resumed["cancel_at_period_end"] is False and resumed["scheduled_plan"] is None
    assert _audited("billing.downgrade_withdrawn") == 1


def test_nothing_to_cancel_on_free(app, client):
    free = factories.tenant("freebie", plan="free")
    response = client.post("/api/v1/tenants/freebie/subscription/cancel", headers=auth(free))
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "nothing_to_cancel"


def test_billing_details_read_and_change_with_omitted_fields_kept(acme, client):
    headers = auth(acme)
    changed = client.patch("/api/v1/tenants/acme/billing-details", headers=headers,
                           json={"company_name": "Acme Corp", "tax_id": "DE123456789"})
    assert changed.status_code == 200
    assert changed.get_json() == {"company_name": "Acme Corp", "address": None, "tax_id": "DE123456789",
                                  "billing_email": None}
    client.patch("/api/v1/tenants/acme/billing-details", headers=headers, json={"billing_email": "ap@acme.example"})
    read = client.get("/api/v1/tenants/acme/billing-details", headers=headers).get_json()
    assert read["company_name"] == "Acme Corp" and read["billing_email"] == "ap@acme.example"
    cleared = client.patch("/api/v1/tenants/acme/billing-details", headers=headers, json={"tax_id": ""}).get_json()
    assert cleared["tax_id"] is None and cleared["company_name"] == "Acme Corp"


def test_invalid_billing_details_name_every_field(acme, client):
    response = client.patch("/api/v1/tenants/acme/billing-details", headers=auth(acme),
                            json={"tax_id": "!", "billing_email": "nope"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["details"]["fields"]) == {"tax_id", "billing_email"}


def test_the_owner_chooses_bank_transfer(acme, client):
    response = client.post("/api/v1/tenants/acme/payment-method", headers=auth(acme), json={"method": "bank_transfer"})
    assert response.status_code == 200 and response.get_json()["payment_method"] == "bank transfer"
    assert _audited("billing.payment_method_set") == 1


def test_a_stripe_card_is_refused_when_stripe_does_not_collect(acme, client):
    response = client.post("/api/v1/tenants/acme/payment-method", headers=auth(acme),
                           json={"method": "stripe_card", "payment_method_id": "pm_123"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "not_stripe"
    db.session.expire_all()
    assert db.session.scalar(select(Subscription.payment_method).where(Subscription.tenant_id == acme.id)) is None


ACTIONS = [("post", "/subscription/cancel", None), ("post", "/subscription/resume", None),
           ("get", "/billing-details", None), ("patch", "/billing-details", {"company_name": "X"}),
           ("post", "/payment-method", {"method": "bank_transfer"})]


@pytest.mark.parametrize(("method", "path", "body"), ACTIONS)
@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_only_owners_reach_billing_actions(acme, client, method, path, body, role):
    response = getattr(client, method)(f"/api/v1/tenants/acme{path}", headers=auth(acme, role), json=body)
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "path", "body"), ACTIONS)
def test_another_tenants_key_gets_404(acme, client, method, path, body):
    other = factories.tenant("globex", plan="basic")
    response = getattr(client, method)(f"/api/v1/tenants/acme{path}", headers=auth(other), json=body)
    assert response.status_code == 404
    db.session.expire_all()
    sub = db.session.scalar(select(Subscription).where(Subscription.tenant_id == acme.id))
    assert not sub.cancel_at_period_end and sub.company_name is None and sub.payment_method is None
