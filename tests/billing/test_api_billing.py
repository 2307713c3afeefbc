"""API: the subscription, invoices (JSON and PDF), and change-plan's preview; owners only; another
tenant's key, or another tenant's invoice id, gets 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.billing import subscriptions
from app.extensions import db
from app.models import AuditEvent, Invoice, Tenant
from tests import factories

START = datetime(2027, 12, 31, 18, 0, tzinfo=UTC)


@pytest.fixture
def acme(app, clock):
    traveller = clock(START)
    tenant = factories.tenant("acme", plan="basic")
    subscriptions.ensure_subscription(tenant)
    traveller.move_to(START + timedelta(days=15, hours=12))  # half of Dec 31 -> Jan 31 (31 days) is left
    return tenant


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def test_the_owner_reads_the_subscription(acme, client):
    body = client.get("/api/v1/tenants/acme/subscription", headers=auth(factories.api_key(acme, "owner"))).get_json()
    assert body["plan"] == "basic" and body["price"] == {"amount_cents": 9_900, "currency": "USD",
                                                          "formatted": "$99.00"}
    assert body["current_period_end"] == "2028-01-31T18:00:00+00:00"
    assert body["open_total"]["amount_cents"] == 9_900 and body["payment_method"] is None


def test_preview_answers_what_an_upgrade_would_do_and_changes_nothing(acme, client):
    headers = auth(factories.api_key(acme, "owner"))
    response = client.post("/api/v1/tenants/acme/change-plan", headers=headers,
                           json={"new_plan": "pro", "preview": True})
    body = response.get_json()
    assert response.status_code == 200 and body["preview"] is True and body["direction"] == "upgrade"
    assert body["charged_today"]["amount_cents"] == 10_000
    assert body["next_invoice_at"] == "2028-01-31T18:00:00+00:00" and body["next_invoice_amount"]["amount_cents"] == 29_900
    assert {c["resource"] for c in body["limit_changes"]} == {"users", "storage", "api_calls"}
    db.session.expire_all()
    assert db.session.get(Tenant, acme.id).plan_code == "basic"
    assert db.session.scalar(select(func.count()).select_from(Invoice)) == 1

    changed = client.post("/api/v1/tenants/acme/change-plan", headers=headers, json={"new_plan": "pro"})
    assert changed.status_code == 200 and changed.get_json()["plan"] == "pro"
    invoices = client.get("/api/v1/tenants/acme/invoices", headers=headers).get_json()
    assert [i["total_cents"] for i in invoices["items"]] == [10_000, 9_900] and invoices["meta"]["total"] == 2


def test_a_preview_of_a_blocked_downgrade_names_the_overages(acme, client):
    for _ in range(5):
        factories.member(acme)
    body = client.post("/api/v1/tenants/acme/change-plan", headers=auth(factories.api_key(acme, "owner")),
                       json={"new_plan": "free", "preview": True}).get_json()
    assert body["blockers"] == ["6 users; the Free plan allows 5"]
    assert [o["resource"] for o in body["overages"]] == ["users"]


def test_an_invoice_as_json_and_as_pdf(acme, client):
    headers = auth(factories.api_key(acme, "owner"))
    invoice_id = db.session.scalar(select(Invoice.id).where(Invoice.tenant_id == acme.id))
    body = client.get(f"/api/v1/tenants/acme/invoices/{invoice_id}", headers=headers).get_json()
    assert body["number"].startswith("INV-") and body["lines"][0]["amount_cents"] == 9_900
    pdf = client.get(f"/api/v1/tenants/acme/invoices/{invoice_id}", headers={**headers, "Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_only_owners_see_billing_in_the_api(acme, client, role):
    headers = auth(factories.api_key(acme, role))
    assert client.get("/api/v1/tenants/acme/subscription", headers=headers).status_code == 403
    assert client.get("/api/v1/tenants/acme/invoices", headers=headers).status_code == 403


def test_another_tenant_reads_nothing(acme, client):
    other = factories.tenant("globex", plan="pro")
    subscriptions.ensure_subscription(other)
    headers = auth(factories.api_key(other, "owner"))
    acme_invoice = db.session.scalar(select(Invoice.id).where(Invoice.tenant_id == acme.id))
    assert client.get("/api/v1/tenants/acme/subscription", headers=headers).status_code == 404
    assert client.get("/api/v1/tenants/acme/invoices", headers=headers).status_code == 404
    assert client.get(f"/api/v1/tenants/globex/invoices/{acme_invoice}", headers=headers).status_code == 404
    assert client.post("/api/v1/tenants/acme/change-plan", headers=headers,
                       json={"new_plan": "pro", "preview": True}).status_code == 404
    assert not db.session.scalar(select(AuditEvent.id).where(AuditEvent.tenant_id == acme.id,
                                                             AuditEvent.action == "tenant.plan_changed"))
