"""The admin tenant page moves a tenant between tiers: a button, progress, clear errors."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Tenant
from app.models.types import utcnow
from app.services import documents, search
from app.services.audit import Actor
from tests import factories as f
from tests.conftest import csrf_token
from tests.isolation.support import tenant_on


@pytest.fixture
def admin(as_user):
    client = as_user(f.user("root@platform.test", admin=True, name="Root Admin"))
    token = csrf_token(client, "/admin/")

    def post(path: str, **data):
        response = client.post(path, data={"csrf_token": token, **data})
        db.session.expire_all()
        return response

    client.post_form = post
    return client


def test_an_admin_moves_a_tenant_from_its_page_and_sees_it_finished(admin):
    tenant = tenant_on("row", "mv-page")
    documents.create_document(tenant, Actor(label="t"), documents.Upload(title="Guide", content="The lighthouse."))
    page = admin.get(f"/admin/tenants/{tenant.id}").get_data(as_text=True)
    assert 'data-testid="tier-move"' in page and 'value="database"' in page

    moved = admin.post_form(f"/admin/tenants/{tenant.id}/move", target="database")

    assert moved.status_code == 302
    tenant = db.session.get(Tenant, tenant.id)
    assert tenant.isolation_strategy == "database"  # the job ran inline (no broker)
    assert len(search.search(tenant, "lighthouse")) == 1
    panel = admin.get(f"/admin/tenants/{tenant.id}/move").get_data(as_text=True)
    assert "Row" in panel and "Database" in panel and "finished" in panel
    assert 'hx-trigger="every 2s"' not in panel


@pytest.mark.parametrize(("target", "message"), [("row", "already uses row isolation"), ("nowhere", "must be one of")])
def test_a_move_the_page_cannot_make_is_refused_with_its_reason(admin, target, message):
    tenant = tenant_on("row", "mv-no")
    refused = admin.post_form(f"/admin/tenants/{tenant.id}/move", target=target)
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    assert db.session.get(Tenant, tenant.id).isolation_strategy == "row"


def test_a_deleted_tenant_cannot_be_moved_from_its_page(admin):
    tenant = tenant_on("row", "mv-deleted")
    tenant.status, tenant.deleted_at = "deleted", utcnow()
    db.session.commit()
    refused = admin.post_form(f"/admin/tenants/{tenant.id}/move", target="database")
    assert refused.status_code == 422
    assert "is deleted" in refused.get_data(as_text=True)
