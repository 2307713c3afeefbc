"""The lifecycle billing drives, walked with a controlled clock across a year end and a leap day:
trial -> active -> past_due -> read_only -> suspended -> pending_deletion -> purged, with the owners'
emails (a real SMTP server) and the audit trail; and back to active by paying, from each unpaid state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.billing import lifecycle, subscriptions
from app.billing.providers.manual import BANK_TRANSFER
from app.extensions import db
from app.models import AuditEvent, Invoice, Subscription, Tenant
from app.services.audit import Actor
from tests import factories

TRIAL_START = datetime(2027, 11, 17, 9, 0, tzinfo=UTC)
TRIAL_END = TRIAL_START + timedelta(days=14)  # 1 Dec 2027
DUE = TRIAL_END + timedelta(days=14)  # the first invoice's due date: 15 Dec 2027, day 0 of the walk
ADMIN = Actor.system()


def day(n: int) -> datetime:
    return DUE + timedelta(days=n)


@pytest.fixture
def trial_tenant(app, clock, mailbox):
    """A Basic trial whose owner chose to pay by bank transfer; returns (tenant, traveller)."""
    traveller = clock(TRIAL_START)
    tenant = factories.tenant("walker", plan="basic", status="trial")
    subscription = subscriptions.ensure_subscription(tenant)
    subscription.payment_method = BANK_TRANSFER
    db.session.commit()
    return tenant, traveller


def subjects(mailbox) -> list[str]:
    return [str(message["Subject"]) for message in mailbox.messages]


def tick_at(traveller, moment: datetime) -> lifecycle.TickReport:
    traveller.move_to(moment)
    report = lifecycle.tick(actor=ADMIN)
    db.session.expire_all()
    return report


def status_changes(tenant_id: str) -> list[tuple[str, str]]:
    rows = db.session.scalars(select(AuditEvent.details).where(AuditEvent.tenant_id == tenant_id,
                                                               AuditEvent.action == "billing.status_changed")
                              .order_by(AuditEvent.id))
    return [(row["from"], row["to"]) for row in rows]


def test_the_whole_walk_from_trial_to_purged(trial_tenant, mailbox):
    tenant, traveller = trial_tenant
    tenant_id = tenant.id
    tick_at(traveller, TRIAL_END)
    assert db.session.get(Tenant, tenant_id).status == "active"
    [first] = db.session.scalars(select(Invoice).where(Invoice.tenant_id == tenant_id)).all()
    assert (first.total_cents, first.due_at) == (9_900, DUE)
    assert subjects(mailbox) == [f"Tenant walker: invoice {first.display_number}"]

    walk = [(day(0), "past_due", "Tenant walker: payment failed"),
            (day(3), "past_due", "Tenant walker: your invoice is still unpaid"),
            (day(7), "past_due", "Tenant walker: your invoice is still unpaid"),
            (day(14), "read_only", "Tenant walker is now read-only: invoices unpaid"),  # 29 Dec 2027
            (day(30), "suspended", "Tenant walker is suspended: invoices unpaid"),  # 14 Jan 2028
            (day(60), "pending_deletion", "Tenant walker will be deleted unless its invoices are paid")]
    for moment, status, subject in walk:
        mailbox.clear()
        tick_at(traveller, moment)
        assert db.session.get(Tenant, tenant_id).status == status, moment
        assert subject in subjects(mailbox), (moment, subjects(mailbox))
        mailbox.clear()
        repeated = tick_at(traveller, moment)  # the same tick again changes nothing and sends nothing
        assert repeated.transitions == [] and mailbox.messages == []

    mailbox.clear()
    report = tick_at(traveller, day(90))  # 14 Mar 2028, past the leap day
    assert report.purged == ["walker"]
    assert db.session.get(Tenant, tenant_id) is None
    assert subjects(mailbox) == ["Tenant walker has been deleted"]
    assert status_changes(tenant_id) == [("trial", "active"), ("active", "past_due"), ("past_due", "read_only"),
                                         ("read_only", "suspended"), ("suspended", "pending_deletion")]
    kept = db.session.scalars(select(Invoice).where(Invoice.tenant_name == "Tenant walker")).all()
    assert kept and all(invoice.tenant_id is None for invoice in kept), "invoices outlive the purge"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.tenant_id == tenant_id,
                                                         AuditEvent.action == "tenant.purged"))


@pytest.mark.parametrize(("days", "status"), [(0, "past_due"), (14, "read_only"), (30, "suspended"),
                                              (60, "pending_deletion")])
def test_paying_returns_to_active_at_once_from_each_unpaid_state(trial_tenant, mailbox, days, status):
    tenant, traveller = trial_tenant
    tick_at(traveller, TRIAL_END)
    for n in sorted({0, 14, 30, 60} & set(range(days + 1))):
        tick_at(traveller, day(n))
    tenant = db.session.get(Tenant, tenant.id)
    assert tenant.status == status
    mailbox.clear()
    for invoice in db.session.scalars(select(Invoice).where(Invoice.tenant_id == tenant.id,
                                                            Invoice.status == "open")).all():
        lifecycle.mark_paid(tenant, invoice.id, ADMIN)
    db.session.expire_all()
    assert tenant.status == "active" and tenant.suspended_reason is None
    assert subjects(mailbox) == ["Tenant walker: payment received, welcome back"]
    assert db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "billing.reactivated")) \
        == {"from": status}
    subscription = db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant.id))
    assert subscription.past_due_since is None
    mailbox.clear()
    tick_at(traveller, day(days) + timedelta(hours=1))
    assert db.session.get(Tenant, tenant.id).status == "active" and mailbox.messages == []


def test_a_trial_that_ends_without_a_payment_method_is_past_due_with_an_email_to_add_one(app, clock, mailbox):
    traveller = clock(TRIAL_START)
    tenant = factories.tenant("nocard", plan="pro", status="trial")
    subscriptions.ensure_subscription(tenant)
    tick_at(traveller, TRIAL_END)
    assert db.session.get(Tenant, tenant.id).status == "past_due"
    assert "Tenant nocard: your trial has ended, add a payment method" in subjects(mailbox)
    invoice = db.session.scalar(select(Invoice).where(Invoice.tenant_id == tenant.id))
    lifecycle.mark_paid(db.session.get(Tenant, tenant.id), invoice.id, ADMIN)
    assert db.session.get(Tenant, tenant.id).status == "active"


def test_a_free_trial_simply_becomes_active(app, clock):
    traveller = clock(TRIAL_START)
    tenant = factories.tenant("freebie", plan="free", status="trial")
    tick_at(traveller, TRIAL_END + timedelta(minutes=1))
    assert db.session.get(Tenant, tenant.id).status == "active"
    assert db.session.scalars(select(Invoice).where(Invoice.tenant_id == tenant.id)).all() == []


def test_a_platform_admins_suspension_is_not_lifted_by_a_payment(trial_tenant):
    from app.services import tenants

    tenant, traveller = trial_tenant
    tick_at(traveller, TRIAL_END)
    tick_at(traveller, day(1))
    tenants.suspend(db.session.get(Tenant, tenant.id), "abuse report", ADMIN)
    invoice = db.session.scalar(select(Invoice).where(Invoice.tenant_id == tenant.id))
    lifecycle.mark_paid(db.session.get(Tenant, tenant.id), invoice.id, ADMIN)
    assert db.session.get(Tenant, tenant.id).status == "suspended"


def test_only_platform_admins_mark_invoices_paid(trial_tenant):
    from app.services.errors import PermissionDenied

    tenant, traveller = trial_tenant
    tick_at(traveller, TRIAL_END)
    invoice = db.session.scalar(select(Invoice).where(Invoice.tenant_id == tenant.id))
    with pytest.raises(PermissionDenied):
        lifecycle.mark_paid(tenant, invoice.id, Actor.for_user(tenant.owner))
