"""Billing's states in the one answer to "may this tenant be used now?" (services/tenant_status.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.extensions import db
from app.models import Subscription
from app.services import tenant_status
from app.services.errors import TenantPendingDeletion, TenantReadOnly, TenantSuspended
from tests import factories


def with_status(status: str, *, unpaid: bool = True):
    tenant = factories.tenant(plan="basic")
    tenant.status = status
    if status == "suspended":
        tenant.suspended_reason = "unpaid invoices"
    now = datetime(2028, 1, 1, tzinfo=UTC)
    db.session.add(Subscription(tenant_id=tenant.id, current_period_start=now, current_period_end=now,
                                anchor_day=1, past_due_since=now if unpaid else None))
    db.session.commit()
    return tenant


def test_past_due_is_usable(app):
    tenant = with_status("past_due")
    assert tenant_status.refusal(tenant, writing=True) is None


def test_read_only_allows_reads_and_refuses_writes_except_on_billing_pages(app):
    tenant = with_status("read_only")
    assert tenant_status.refusal(tenant, writing=False) is None
    refused = tenant_status.refusal(tenant, writing=True)
    assert isinstance(refused, TenantReadOnly) and refused.http_status == 403 and refused.code == "tenant_read_only"
    assert refused.details["billing_path"] == f"/t/{tenant.slug}/billing"
    assert tenant_status.refusal(tenant, writing=True, billing=True) is None


def test_pending_deletion_refuses_all_but_billing(app):
    tenant = with_status("pending_deletion")
    assert isinstance(tenant_status.refusal(tenant), TenantPendingDeletion)
    assert tenant_status.refusal(tenant, writing=True, billing=True) is None


def test_billing_stays_open_in_a_suspension_for_non_payment_but_not_in_a_platform_admins(app):
    unpaid = with_status("suspended")
    assert tenant_status.refusal(unpaid, billing=True) is None
    assert isinstance(tenant_status.refusal(unpaid), TenantSuspended)
    by_admin = with_status("suspended", unpaid=False)
    assert isinstance(tenant_status.refusal(by_admin, billing=True), TenantSuspended)
