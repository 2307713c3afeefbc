"""The owners' Billing page: plan, next invoice, payment method, invoices as HTML and PDF, details
(every field's error at once), cancel/resume; nobody but owners sees it; another tenant gets 404."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.billing import subscriptions
from app.extensions import db
from app.models import AuditEvent, Invoice, Subscription
from tests import factories
from tests.conftest import csrf_token, login

MOMENT = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def billed(app, clock):
    clock(MOMENT)
    tenant = factories.tenant("acme", plan="basic")
    subscriptions.ensure_subscription(tenant)
    invoice = db.session.scalar(select(Invoice).where(Invoice.tenant_id == tenant.id))
    return tenant, invoice


def test_the_owner_sees_plan_next_invoice_payment_method_and_invoices(billed, client):
    tenant, invoice = billed
    login(client, tenant.owner)
    html = client.get("/t/acme/billing").get_data(as_text=True)
    assert "Basic" in html and "$99.00 a month" in html
    assert 'data-testid="next-invoice-amount">$99.00' in html and "on 2028-03-29" in html
    assert "None on file" in html and invoice.display_number in html


def test_the_invoice_reads_as_html_and_downloads_as_pdf(billed, client):
    tenant, invoice = billed
    login(client, tenant.owner)
    page = client.get(f"/t/acme/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert f"Invoice {invoice.display_number}" in page and "Basic plan, 2028-02-29 to 2028-03-29" in page
    pdf = client.get(f"/t/acme/billing/invoices/{invoice.id}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) > 1000
    assert f'filename="{invoice.display_number}.pdf"' in pdf.headers["Content-Disposition"]


@pytest.mark.parametrize("role", ["admin", "member", "viewer"])
def test_nobody_but_owners_sees_billing(billed, client, role):
    tenant, invoice = billed
    login(client, factories.member(tenant, role))
    assert client.get("/t/acme/billing").status_code == 403
    assert client.get(f"/t/acme/billing/invoices/{invoice.id}/pdf").status_code == 403
    assert "/t/acme/billing" not in client.get("/t/acme/members").get_data(as_text=True)


def test_bad_details_name_every_field_at_once_and_save_nothing(billed, client):
    tenant, _ = billed
    login(client, tenant.owner)
    token = csrf_token(client, "/t/acme/billing")
    response = client.post("/t/acme/billing/details", data={"csrf_token": token, "company_name": "Acme Ltd",
                                                            "tax_id": "!", "billing_email": "nope"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A tax id is 3 to 64 letters" in html and "Enter an email address" in html
    db.session.expire_all()
    assert db.session.scalar(select(Subscription.company_name).where(Subscription.tenant_id == tenant.id)) is None


def test_details_are_saved_audited_and_printed_on_the_next_invoice(billed, client):
    tenant, _ = billed
    login(client, tenant.owner)
    token = csrf_token(client, "/t/acme/billing")
    response = client.post("/t/acme/billing/details", data={
        "csrf_token": token, "company_name": "Acme Ltd", "address": "1 Main St\nSpringfield",
        "tax_id": "DE123456789", "billing_email": "ap@acme.test"})
    assert response.status_code == 302
    db.session.expire_all()
    sub = db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant.id))
    assert (sub.company_name, sub.tax_id, sub.billing_email) == ("Acme Ltd", "DE123456789", "ap@acme.test")
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "billing.details_updated"))


def test_cancel_then_keep_the_plan(billed, client):
    tenant, _ = billed
    login(client, tenant.owner)
    token = csrf_token(client, "/t/acme/billing")
    client.post("/t/acme/billing/cancel", data={"csrf_token": token})
    assert "Cancelled: moves to Free on 2028-03-29." in client.get("/t/acme/billing").get_data(as_text=True)
    client.post("/t/acme/billing/resume", data={"csrf_token": token})
    assert "Cancelled:" not in client.get("/t/acme/billing").get_data(as_text=True)


def test_a_form_without_its_csrf_token_changes_nothing(billed, client):
    tenant, _ = billed
    login(client, tenant.owner)
    client.post("/t/acme/billing/cancel", data={})
    db.session.expire_all()
    assert not db.session.scalar(select(Subscription.cancel_at_period_end).where(Subscription.tenant_id == tenant.id))


def test_another_tenants_owner_reads_and_changes_nothing(billed, client):
    tenant, invoice = billed
    other = factories.tenant("globex", plan="pro")
    login(client, other.owner)
    token = csrf_token(client, "/t/globex/billing")
    assert client.get("/t/acme/billing").status_code == 404
    assert client.get(f"/t/acme/billing/invoices/{invoice.id}").status_code == 404
    assert client.get(f"/t/globex/billing/invoices/{invoice.id}").status_code == 404
    assert client.get(f"/t/globex/billing/invoices/{invoice.id}/pdf").status_code == 404
    for path in ("/t/acme/billing/cancel", "/t/acme/billing/details", "/t/acme/billing/payment-method"):
        assert client.post(path, data={"csrf_token": token, "company_name": "Globex"}).status_code == 404
    db.session.expire_all()
    sub = db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant.id))
    assert (sub.cancel_at_period_end, sub.company_name, sub.payment_method) == (False, None, None)


def test_a_read_only_owner_sees_the_banner_and_can_still_use_billing(billed, client):
    tenant, _ = billed
    tenant.status = "read_only"
    db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant.id)).past_due_since = MOMENT
    db.session.commit()
    login(client, tenant.owner)
    members = client.get("/t/acme/members").get_data(as_text=True)
    assert 'data-testid="billing-banner"' in members and "is read-only because its invoices are unpaid" in members
    token = csrf_token(client, "/t/acme/billing")
    assert client.post("/t/acme/billing/payment-method", data={"csrf_token": token}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Subscription.payment_method).where(Subscription.tenant_id == tenant.id)) \
        == "bank transfer"
