"""`POST /api/v1/tenants/{ref}/move` and `GET .../move`: the API face of the admin page's tier move."""

from __future__ import annotations

from app.extensions import db
from app.models import Tenant
from app.services import documents
from app.services.audit import Actor
from tests import factories as f
from tests.isolation.support import tenant_on


def test_a_platform_key_moves_a_tenant_and_reads_the_finished_move(client):
    tenant = tenant_on("database", "mv-api")
    documents.create_document(tenant, Actor(label="t"), documents.Upload(title="Guide", content="The lighthouse."))
    auth = {"Authorization": f"Bearer {f.api_key(None)}"}

    started = client.post(f"/api/v1/tenants/{tenant.slug}/move", json={"target": "row"}, headers=auth)

    assert started.status_code == 202, started.get_json()
    assert started.get_json()["phase"] == "done"  # inline without a broker
    db.session.expire_all()
    assert db.session.get(Tenant, tenant.id).isolation_strategy == "row"
    shown = client.get(f"/api/v1/tenants/{tenant.slug}/move", headers=auth).get_json()
    assert shown["source"] == "database" and shown["verified"]["documents"]["rows"] == 1


def test_a_move_to_the_same_tier_is_a_422_naming_target(client):
    tenant = tenant_on("row", "mv-api-same")
    auth = {"Authorization": f"Bearer {f.api_key(None)}"}
    refused = client.post(f"/api/v1/tenants/{tenant.slug}/move", json={"target": "row"}, headers=auth)
    assert refused.status_code == 422
    assert "target" in refused.get_json()["error"]["details"]["fields"]


def test_a_tenant_key_cannot_move_its_tenant(client):
    tenant = tenant_on("row", "mv-api-own")
    auth = {"Authorization": f"Bearer {f.api_key(tenant, 'owner')}"}
    assert client.post(f"/api/v1/tenants/{tenant.slug}/move", json={"target": "database"}, headers=auth).status_code == 403
