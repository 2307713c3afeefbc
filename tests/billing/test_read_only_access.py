"""A read-only tenant (invoices unpaid 14 days): reads pass, every write in the portal and the API is
refused with 403 `tenant_read_only`, and the portal's refusal page says why and links to billing."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import Subscription
from tests import factories
from tests.conftest import csrf_token, login


def read_only_tenant(slug: str):
    tenant = factories.tenant(slug, plan="basic")
    tenant.status = "read_only"
    moment = datetime(2028, 1, 1, tzinfo=UTC)
    db.session.add(Subscription(tenant_id=tenant.id, current_period_start=moment, current_period_end=moment,
                                anchor_day=1, past_due_since=moment))
    db.session.commit()
    return tenant


def test_the_api_reads_but_refuses_writes_with_tenant_read_only(app, client):
    tenant = read_only_tenant("frozen")
    key = factories.api_key(tenant, "owner")
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/tenants/frozen/users", headers=headers).status_code == 200
    response = client.post("/api/v1/tenants/frozen/users", headers=headers,
                           json={"email": "new@example.test", "role": "member"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "tenant_read_only"
    assert response.get_json()["error"]["details"]["billing_path"] == "/t/frozen/billing"


def test_the_portal_refuses_an_invitation_with_a_page_that_links_to_billing(app, client):
    tenant = read_only_tenant("frozen")
    login(client, tenant.owner)
    page = client.get("/t/frozen/members")
    assert page.status_code == 200
    token = csrf_token(client, "/t/frozen/members")
    response = client.post("/t/frozen/invitations", data={"csrf_token": token, "email": "new@example.test",
                                                          "role": "member"})
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "read-only because its invoices are unpaid" in html
    assert 'href="/t/frozen/billing"' in html and "tenant_read_only" in html
