"""Platform admins: MRR/ARR/churn/failed payments from real subscriptions, invoices across tenants with
filters and CSV, marking a bank transfer paid (the tenant is active again), credit, a comped period,
an Enterprise price; all audited. Tenant owners reach none of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.billing import lifecycle, platform, subscriptions
from app.billing.providers.manual import BANK_TRANSFER
from app.extensions import db
from app.models import AuditEvent, Invoice, Tenant
from app.services.audit import Actor
from tests import factories
from tests.conftest import csrf_token, login

NOW = datetime(2028, 12, 31, 23, 0, tzinfo=UTC)


@pytest.fixture
def fleet(app, clock):
    traveller = clock(NOW - timedelta(days=20))
    basic = factories.tenant("basic-co", plan="basic")
    pro = factories.tenant("pro-co", plan="pro")
    factories.tenant("free-co", plan="free")
    for tenant in (basic, pro):
        subscriptions.ensure_subscription(tenant).payment_method = BANK_TRANSFER
        db.session.commit()
    traveller.move_to(NOW)
    lifecycle.tick(actor=Actor.system())  # basic-co's and pro-co's invoices are 20 days old: overdue
    db.session.expire_all()
    return basic, pro


@pytest.fixture
def admin_client(client):
    login(client, factories.user("root@platform.test", admin=True))
    return client


def test_revenue_comes_from_the_billed_subscriptions(fleet):
    figures = platform.metrics()
    assert figures.mrr_cents == 9_900 + 29_900 and figures.arr_cents == 12 * 39_800
    assert figures.failed_payments_30d == 2 and figures.open_invoices == 2
    assert {t.slug for t in figures.at_risk} == {"basic-co", "pro-co"}


def test_the_overview_filters_invoices_and_exports_csv(fleet, admin_client):
    page = admin_client.get("/admin/billing?q=pro-co").get_data(as_text=True)
    assert "$398.00" in page and "Tenant pro-co" in page and "Tenant basic-co" not in page.split("<table")[1]
    csv = admin_client.get("/admin/billing/invoices.csv?status=open")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("number,tenant,") and len(lines) == 3
    assert any(",99.00," in line for line in lines) and any(",299.00," in line for line in lines)


def test_marking_paid_brings_the_tenant_back_at_once_and_is_audited(fleet, admin_client):
    basic, _ = fleet
    assert db.session.get(Tenant, basic.id).status == "past_due"
    invoice = db.session.scalar(select(Invoice).where(Invoice.tenant_id == basic.id))
    token = csrf_token(admin_client, "/admin/billing")
    admin_client.post(f"/admin/billing/invoices/{invoice.id}/paid", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Tenant, basic.id).status == "active"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "billing.invoice_paid"))
    assert event.actor_label == "root@platform.test" and event.details["invoice"] == invoice.display_number


def test_credit_comp_and_enterprise_price(fleet, admin_client, clock):
    basic, _ = fleet
    token = csrf_token(admin_client, f"/admin/tenants/{basic.id}/billing")
    bad = admin_client.post(f"/admin/tenants/{basic.id}/billing/credit",
                            data={"csrf_token": token, "amount": "-5", "reason": ""})
    assert bad.status_code == 422
    assert "Enter an amount" in bad.get_data(as_text=True) and "Say why" in bad.get_data(as_text=True)
    admin_client.post(f"/admin/tenants/{basic.id}/billing/credit",
                      data={"csrf_token": token, "amount": "10.50", "reason": "outage"})
    admin_client.post(f"/admin/tenants/{basic.id}/billing/comp", data={"csrf_token": token})
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.tenant_id == basic.id)))
    assert {"billing.credit_granted", "billing.period_comped"} <= actions
    enterprise = factories.tenant("big-co", plan="enterprise")
    admin_client.post(f"/admin/tenants/{enterprise.id}/billing/price", data={"csrf_token": token, "price": "1500"})
    db.session.expire_all()
    assert subscriptions.find_subscription(enterprise).custom_price_cents == 150_000
    refused = admin_client.post(f"/admin/tenants/{basic.id}/billing/price", data={"csrf_token": token, "price": "1"})
    assert refused.status_code == 422 and "Only an Enterprise tenant" in refused.get_data(as_text=True)


def test_a_comped_period_is_invoiced_at_zero(fleet, clock):
    _, pro = fleet
    platform.comp_next_period(pro, Actor.system())
    lifecycle.tick(NOW + timedelta(days=15), Actor.system())
    last = db.session.scalars(select(Invoice).where(Invoice.tenant_id == pro.id).order_by(Invoice.number)).all()[-1]
    assert last.total_cents == 0 and last.status == "paid" and last.lines[-1].description == "Complimentary period"


def test_tenant_owners_reach_no_admin_billing(fleet, client):
    basic, _ = fleet
    login(client, basic.owner)
    for path in ("/admin/billing", "/admin/billing/invoices.csv", f"/admin/tenants/{basic.id}/billing"):
        assert client.get(path).status_code in (403, 404)
