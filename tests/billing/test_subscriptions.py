"""Subscriptions and plan changes with a controlled clock: upgrades prorated at once, downgrades at
the period end (blocked when usage exceeds, then and at change time), previews that change nothing,
renewals across a month end, a leap day and a year end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.billing import invoices, subscriptions
from app.extensions import db
from app.models import AuditEvent, Credit, Invoice
from app.services import usage
from app.services.audit import Actor
from app.services.authority import Authority
from app.services.errors import PermissionDenied, PlanDowngradeBlocked
from tests import factories

JAN_31 = datetime(2028, 1, 31, 10, 0, tzinfo=UTC)  # 2028 is a leap year


def owner_of(tenant):
    return Authority.member(Actor.for_user(tenant.owner), tenant, "owner")


def invoices_of(tenant) -> list[Invoice]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invoice).where(Invoice.tenant_id == tenant.id).order_by(Invoice.number)))


def test_a_paid_tenant_is_invoiced_for_its_first_period_when_its_subscription_starts(app, clock):
    clock(JAN_31)
    tenant = factories.tenant(plan="basic", status="active")
    subscription = subscriptions.ensure_subscription(tenant)
    assert (subscription.current_period_start, subscription.current_period_end) == (
        JAN_31, datetime(2028, 2, 29, 10, 0, tzinfo=UTC))
    [invoice] = invoices_of(tenant)
    assert invoice.total_cents == 9_900 and invoice.status == "open" and invoice.currency == "USD"
    assert [line.description for line in invoice.lines] == ["Basic plan, 2028-01-31 to 2028-02-29"]


def test_invoice_numbers_run_in_one_sequence_across_tenants(app, clock):
    clock(JAN_31)
    first, second = factories.tenant(plan="basic"), factories.tenant(plan="pro")
    subscriptions.ensure_subscription(first)
    subscriptions.ensure_subscription(second)
    numbers = [invoice.number for invoice in invoices_of(first) + invoices_of(second)]
    assert numbers == [numbers[0], numbers[0] + 1]
    assert invoices_of(first)[0].display_number == f"INV-{numbers[0]:06d}"


def test_upgrade_mid_period_charges_the_difference_for_the_seconds_left(app, clock):
    traveller = clock(datetime(2028, 2, 1, 0, 0, tzinfo=UTC))
    tenant = factories.tenant(plan="basic")
    subscriptions.ensure_subscription(tenant)  # period Feb 1 -> Mar 1 2028: 29 days, leap day inside
    traveller.move_to(datetime(2028, 2, 15, 12, 0, tzinfo=UTC))  # 14.5 of 29 days left: exactly half
    preview = subscriptions.preview_change(tenant, "pro")
    assert preview.direction == "upgrade" and preview.charged_today.cents == 10_000
    assert preview.next_invoice_at == datetime(2028, 3, 1, tzinfo=UTC)
    assert preview.next_invoice_amount.cents == 29_900
    assert len(invoices_of(tenant)) == 1, "a preview changes nothing"

    change = subscriptions.change_plan(tenant, "pro", owner_of(tenant))
    assert tenant.plan_code == "pro"
    upgrade = invoices_of(tenant)[-1]
    assert upgrade.reason == "upgrade" and upgrade.total_cents == 10_000 == change.invoice.total_cents
    assert [(line.kind, line.amount_cents) for line in upgrade.lines] == [
        ("proration_charge", 14_950), ("proration_credit", -4_950)]
    assert db.session.scalar(select(AuditEvent.details).where(AuditEvent.action == "tenant.plan_changed")) \
        ["invoice"] == upgrade.display_number


def test_preview_lists_every_changing_limit_and_every_overage_including_api_calls(app, clock):
    clock(JAN_31)
    tenant = factories.tenant(plan="pro")
    for _ in range(6):
        factories.member(tenant)
    usage.load_daily_calls(tenant.id, {JAN_31.date().replace(day=1): 2_500})
    preview = subscriptions.preview_change(tenant, "free")
    assert {change.resource for change in preview.limit_changes} == {"users", "storage", "api_calls"}
    assert {change.resource for change in preview.overages} == {"users", "api_calls"}
    assert preview.blockers == ["7 users; the Free plan allows 5"], "API calls show as an overage, never block"


def test_a_downgrade_waits_for_the_period_end_and_then_takes_effect(app, clock):
    traveller = clock(datetime(2027, 12, 15, 8, 0, tzinfo=UTC))
    tenant = factories.tenant(plan="pro")
    subscriptions.ensure_subscription(tenant)
    change = subscriptions.change_plan(tenant, "basic", owner_of(tenant))
    assert change.scheduled and tenant.plan_code == "pro"
    assert change.preview.effective_at == datetime(2028, 1, 15, 8, 0, tzinfo=UTC)  # across the year end

    traveller.move_to(datetime(2028, 1, 15, 8, 0, tzinfo=UTC))
    issued = subscriptions.renew(tenant, Actor.system())
    assert tenant.plan_code == "basic"
    assert [(i.total_cents, i.period_start, i.period_end) for i in issued] == [
        (9_900, datetime(2028, 1, 15, 8, 0, tzinfo=UTC), datetime(2028, 2, 15, 8, 0, tzinfo=UTC))]


def test_rolling_twice_starts_a_period_once(app, clock):
    clock(datetime(2028, 3, 31, tzinfo=UTC))
    tenant = factories.tenant(plan="basic")
    subscriptions.ensure_subscription(tenant)
    later = datetime(2028, 5, 1, tzinfo=UTC)  # past Apr 30 (clamped anchor 31), before May 31
    for _ in range(2):
        subscriptions.renew(tenant, Actor.system(), later)
    periods = [(i.period_start.date().isoformat(), i.period_end.date().isoformat()) for i in invoices_of(tenant)]
    assert periods == [("2028-03-31", "2028-04-30"), ("2028-04-30", "2028-05-31")]


def test_a_downgrade_blocked_at_change_time_is_refused_and_changes_nothing(app, clock):
    clock(JAN_31)
    tenant = factories.tenant(plan="basic")
    for _ in range(5):
        factories.member(tenant)
    with pytest.raises(PlanDowngradeBlocked) as refused:
        subscriptions.change_plan(tenant, "free", owner_of(tenant))
    assert refused.value.details["blockers"] == ["6 users; the Free plan allows 5"]
    assert subscriptions.find_subscription(tenant) is None or \
        subscriptions.find_subscription(tenant).scheduled_plan_code is None


def test_a_downgrade_blocked_when_it_takes_effect_keeps_the_plan_and_says_why(app, clock):
    traveller = clock(JAN_31)
    tenant = factories.tenant(plan="basic")
    subscriptions.ensure_subscription(tenant)
    subscriptions.change_plan(tenant, "free", owner_of(tenant))
    for _ in range(5):
        factories.member(tenant)  # joined after the downgrade was asked for
    traveller.move_to(datetime(2028, 2, 29, 10, 0, tzinfo=UTC))
    subscriptions.renew(tenant, Actor.system())
    assert tenant.plan_code == "basic"
    blocked = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "billing.downgrade_blocked"))
    assert blocked.details["blockers"] == ["6 users; the Free plan allows 5"]
    assert invoices_of(tenant)[-1].total_cents == 9_900


def test_cancel_then_resume_keeps_the_plan(app, clock):
    clock(JAN_31)
    tenant = factories.tenant(plan="pro")
    subscription = subscriptions.cancel(tenant, owner_of(tenant))
    assert subscription.cancel_at_period_end and subscription.scheduled_plan_code == "free"
    subscription = subscriptions.resume(tenant, owner_of(tenant))
    assert not subscription.cancel_at_period_end and subscription.scheduled_plan_code is None
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("billing.%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["billing.cancelled", "billing.downgrade_withdrawn"]


def test_during_a_trial_an_upgrade_is_immediate_and_free(app, clock):
    clock(JAN_31)
    tenant = factories.tenant(plan="basic", status="trial")
    subscription = subscriptions.ensure_subscription(tenant)
    assert subscriptions.in_trial(subscription) and invoices_of(tenant) == []
    change = subscriptions.change_plan(tenant, "pro", owner_of(tenant))
    assert change.invoice is None and tenant.plan_code == "pro" and change.preview.charged_today.cents == 0
    assert change.preview.next_invoice_at == tenant.trial_ends_at


def test_credit_is_used_before_charging(app, clock):
    traveller = clock(datetime(2028, 2, 1, tzinfo=UTC))
    tenant = factories.tenant(plan="basic")
    subscriptions.ensure_subscription(tenant)
    db.session.add(Credit(tenant_id=tenant.id, amount_cents=2_500, currency="USD", reason="goodwill"))
    db.session.commit()
    traveller.move_to(datetime(2028, 2, 15, 12, 0, tzinfo=UTC))
    assert subscriptions.preview_change(tenant, "pro").charged_today.cents == 7_500
    change = subscriptions.change_plan(tenant, "pro", owner_of(tenant))
    assert change.invoice.total_cents == 7_500
    assert change.invoice.lines[-1].description == "Account credit applied"
    assert invoices.credit_balance(tenant.id) == 0
    assert db.session.scalar(select(func.count()).select_from(Credit)) == 2


def test_only_a_platform_admin_moves_a_tenant_onto_enterprise(app, clock):
    clock(JAN_31)
    tenant = factories.tenant(plan="pro")
    with pytest.raises(PermissionDenied) as refused:
        subscriptions.change_plan(tenant, "enterprise", owner_of(tenant))
    assert refused.value.code == "contact_sales"


def test_an_enterprise_period_is_invoiced_at_its_agreed_price(app, clock):
    traveller = clock(JAN_31)
    tenant = factories.tenant(plan="enterprise")
    subscription = subscriptions.ensure_subscription(tenant)
    subscription.custom_price_cents = 150_000
    db.session.commit()
    traveller.move_to(JAN_31 + timedelta(days=30))
    subscriptions.renew(tenant, Actor.system())
    last = invoices_of(tenant)[-1]
    assert last.total_cents == 150_000 and last.lines[0].description.startswith("Enterprise agreement")
