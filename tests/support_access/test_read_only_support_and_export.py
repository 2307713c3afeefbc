"""Read-only support access may not take the organisation's data out: data export passes a tenant's own
read-only (unpaid) state, never a support admin's read-only grant."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import DataExport
from tests.support_access.test_support_access import _request


def test_read_only_support_access_cannot_request_an_export(admin_browser, owner_browser, world):
    tenant = world["tenant"]
    grant = _request(admin_browser, world, level="read_only")
    owner_browser.post(f"/t/acme/settings/support-access/{grant.id}/approve")
    admin_browser.open_grant(tenant, grant)
    refused = admin_browser.post("/t/acme/settings/exports")
    assert refused.status_code == 403 and "read-only" in refused.get_data(as_text=True)
    assert db.session.scalar(select(DataExport.id).where(DataExport.tenant_id == tenant.id)) is None
