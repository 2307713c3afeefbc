"""A tenant's subscription: what a plan change would do (preview), doing it, cancel/resume, renewal.

The plan in effect is `tenant.plan_code` (limits read it); the subscription adds the period, a
downgrade waiting for the period end, the trial end and the billing details. Rules (docs/billing.md):

- an upgrade (a dearer plan) takes effect at once, with a prorated invoice for the rest of the period;
- a downgrade (a cheaper plan) takes effect at the period end; the blocked-downgrade rules of
  `services.plans` apply when it is asked for and again when it takes effect;
- during a trial every change is immediate and free (nothing has been paid yet);
- cancelling is a downgrade to Free at the period end; resuming withdraws it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from app.billing import invoices, periods
from app.billing.invoices import Line
from app.billing.money import Money
from app.billing.proration import prorate_upgrade
from app.extensions import db
from app.models import RESOURCES, Invoice, Plan, Subscription, Tenant
from app.models.enums import TenantStatus
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import PermissionDenied, PlanDowngradeBlocked, ValidationError
from app.services.formatting import format_quantity
from app.services.plans import DOWNGRADE_BLOCKING_RESOURCES, downgrade_blockers, get_plan, revive_if_expired
from app.services.quotas import RESOURCE_LABELS, limits_for, usage_for
from app.services.transaction import lock_tenant, unit_of_work

FREE_PLAN = "free"
NOT_SERVED = (TenantStatus.SUSPENDED, TenantStatus.PENDING_DELETION, TenantStatus.DELETED)


def price_cents(plan: Plan, subscription: Subscription | None) -> int:
    """What `plan` costs this subscription per month: the list price, or Enterprise's agreed price."""
    if plan.price_cents is not None:
        return plan.price_cents
    return (subscription.custom_price_cents if subscription else None) or 0


def find_subscription(tenant: Tenant) -> Subscription | None:
    return db.session.scalar(select(Subscription).where(Subscription.tenant_id == tenant.id))


def _config(name: str, default):
    return current_app.config.get(name, default)


def open_subscription(tenant: Tenant, now: datetime) -> Subscription:
    """The tenant's subscription, started now if it has none (inside the caller's unit of work).

    A trial's first period is the trial itself (nothing is invoiced for it). A tenant already on a
    paid plan starts a monthly period now and is invoiced for it.
    """
    subscription = find_subscription(tenant)
    if subscription is not None:
        return subscription
    in_trial = tenant.status == TenantStatus.TRIAL and tenant.trial_ends_at is not None
    if in_trial:  # later periods are anchored on the day the trial ends
        start, end, anchor = min(tenant.created_at, now), tenant.trial_ends_at, tenant.trial_ends_at.day
    else:
        start, anchor = now, now.day
        end = periods.add_month(now, anchor)
    subscription = Subscription(tenant_id=tenant.id, current_period_start=start, current_period_end=end,
                                anchor_day=anchor, trial_ends_at=tenant.trial_ends_at if in_trial else None,
                                provider=_config("BILLING_PROVIDER", "manual"), created_at=now)
    db.session.add(subscription)
    db.session.flush()
    if not in_trial:
        invoice_period(tenant, subscription, now)
    return subscription


def ensure_subscription(tenant: Tenant, now: datetime | None = None) -> Subscription:
    """The tenant's subscription, creating it in a unit of work of its own if needed."""
    existing = find_subscription(tenant)
    if existing is not None:
        return existing
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        subscription = open_subscription(tenant, now or utcnow())
    return subscription


def in_trial(subscription: Subscription) -> bool:
    """The current period is the trial (it ends when the trial does)."""
    return subscription.trial_ends_at is not None and subscription.current_period_end == subscription.trial_ends_at


def invoice_period(tenant: Tenant, subscription: Subscription, now: datetime) -> Invoice | None:
    """Invoice the current period in advance (none for a free plan). Part of the caller's unit of work."""
    plan = tenant.plan
    amount = price_cents(plan, subscription)
    start, end = subscription.current_period_start, subscription.current_period_end
    if amount <= 0 and not plan.is_custom_priced:
        return None
    description = ("Enterprise agreement" if plan.is_custom_priced else f"{plan.name} plan")
    lines = [Line("custom" if plan.is_custom_priced else "plan", f"{description}, {_span(start, end)}", amount,
                  plan.code, start, end)]
    if subscription.comp_next_period:
        lines.append(Line("comp", "Complimentary period", -amount))
        subscription.comp_next_period = False
    return invoices.issue(tenant, subscription, lines, reason="period", now=now, period=(start, end),
                          due_days=_config("BILLING_INVOICE_DUE_DAYS", 14))


def _span(start: datetime, end: datetime) -> str:
    return f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"


# ----------------------------------------------------------------------------------------------- preview

@dataclass(frozen=True)
class LimitChange:
    """One resource whose limit differs on the new plan; `over` when current usage exceeds it."""

    resource: str
    label: str
    old_limit: int | None
    new_limit: int | None
    used: int
    blocks: bool

    @property
    def over(self) -> bool:
        return self.new_limit is not None and self.used > self.new_limit

    @property
    def old_text(self) -> str:
        return format_quantity(self.resource, self.old_limit)

    @property
    def new_text(self) -> str:
        return format_quantity(self.resource, self.new_limit)

    @property
    def used_text(self) -> str:
        return format_quantity(self.resource, self.used)

    def to_dict(self) -> dict:
        return {"resource": self.resource, "old_limit": self.old_limit, "new_limit": self.new_limit,
                "used": self.used, "over": self.over, "blocks": self.blocks}


@dataclass(frozen=True)
class PlanChangePreview:
    """What confirming a plan change would do, computed without changing anything."""

    current_plan: Plan
    new_plan: Plan
    direction: str  # upgrade, downgrade, same
    new_price: Money
    charged_today: Money
    proration_lines: list[Line]
    effective_at: datetime
    next_invoice_at: datetime
    next_invoice_amount: Money
    limit_changes: list[LimitChange]
    blockers: list[str] = field(default_factory=list)
    in_trial: bool = False

    @property
    def overages(self) -> list[LimitChange]:
        return [change for change in self.limit_changes if change.over]

    @property
    def allowed(self) -> bool:
        return not self.blockers

    def to_dict(self) -> dict:
        return {
            "current_plan": self.current_plan.code, "new_plan": self.new_plan.code, "direction": self.direction,
            "new_price": self.new_price.to_dict(), "charged_today": self.charged_today.to_dict(),
            "proration_lines": [{"kind": line.kind, "description": line.description,
                                 "amount_cents": line.amount_cents} for line in self.proration_lines],
            "effective_at": self.effective_at.isoformat(), "next_invoice_at": self.next_invoice_at.isoformat(),
            "next_invoice_amount": self.next_invoice_amount.to_dict(),
            "limit_changes": [change.to_dict() for change in self.limit_changes],
            "overages": [change.to_dict() for change in self.overages],
            "blockers": list(self.blockers), "in_trial": self.in_trial,
        }


def _direction(old_price: int, new_price: int, old: Plan, new: Plan) -> str:
    if new.code == old.code:
        return "same"
    # Enterprise's price is agreed apart from the list: moving onto it is an upgrade, whatever it costs.
    if new_price != old_price and not (old.is_custom_priced or new.is_custom_priced):
        return "upgrade" if new_price > old_price else "downgrade"
    return "upgrade" if new.sort_order > old.sort_order else "downgrade"


def _limit_changes(tenant: Tenant, new_plan: Plan) -> list[LimitChange]:
    old_limits, new_limits, used = limits_for(tenant), limits_for(tenant, new_plan), usage_for(tenant)
    return [LimitChange(resource, RESOURCE_LABELS[resource], old_limits[resource], new_limits[resource],
                        used[resource], resource in DOWNGRADE_BLOCKING_RESOURCES)
            for resource in RESOURCES if old_limits[resource] != new_limits[resource]]


def preview_change(tenant: Tenant, new_plan_code: str, now: datetime | None = None,
                   subscription: Subscription | None = None) -> PlanChangePreview:
    """The new price, what is charged today, the next invoice (date and amount) and every limit
    that changes, with the usage over each new limit (API calls included). Changes nothing."""
    now = now or utcnow()
    new_plan = get_plan(new_plan_code)
    subscription = subscription or find_subscription(tenant)
    old_plan = tenant.plan
    old_price, new_price = price_cents(old_plan, subscription), price_cents(new_plan, subscription)
    direction = _direction(old_price, new_price, old_plan, new_plan)
    currency = subscription.currency if subscription else "USD"
    trial = subscription is not None and in_trial(subscription)
    period_end = subscription.current_period_end if subscription else periods.add_month(now, now.day)
    lines: list[Line] = []
    if direction == "upgrade" and subscription is not None and not trial and new_price > old_price:
        lines = proration_lines(old_plan, new_plan, old_price, new_price, subscription, now)
    elif direction == "upgrade" and subscription is None and new_price > 0:
        lines = [Line("plan", f"{new_plan.name} plan, {_span(now, period_end)}", new_price, new_plan.code,
                      now, period_end)]
    immediate = direction != "downgrade" or trial
    blockers = downgrade_blockers(tenant, new_plan) if direction == "downgrade" else []
    credit = invoices.credit_balance(tenant.id)
    charged = sum(line.amount_cents for line in lines)
    charged_today = max(0, charged - credit)
    next_amount = max(0, new_price - max(0, credit - charged))
    return PlanChangePreview(
        current_plan=old_plan, new_plan=new_plan, direction=direction, new_price=Money(new_price, currency),
        charged_today=Money(charged_today, currency), proration_lines=lines,
        effective_at=now if immediate else period_end, next_invoice_at=period_end,
        next_invoice_amount=Money(next_amount, currency), limit_changes=_limit_changes(tenant, new_plan),
        blockers=blockers, in_trial=trial)


def proration_lines(old_plan: Plan, new_plan: Plan, old_price: int, new_price: int, subscription: Subscription,
                    now: datetime) -> list[Line]:
    start, end = subscription.current_period_start, subscription.current_period_end
    proration = prorate_upgrade(old_price, new_price, start, end, now)
    lines = [Line("proration_charge", f"Remaining time on {new_plan.name}, {_span(now, end)}",
                  proration.remaining_charge_cents, new_plan.code, now, end)]
    if proration.unused_credit_cents:
        lines.append(Line("proration_credit", f"Unused time on {old_plan.name}, {_span(now, end)}",
                          proration.unused_credit_cents, old_plan.code, now, end))
    return lines


# ----------------------------------------------------------------------------------------------- changes

@dataclass(frozen=True)
class PlanChange:
    """What `change_plan` did: the preview it confirmed, and the invoice it issued (upgrades)."""

    preview: PlanChangePreview
    invoice: Invoice | None
    scheduled: bool


def change_plan(tenant: Tenant, new_plan_code: str, actor: Actor, *, now: datetime | None = None,
                override_limits: bool = False) -> PlanChange:
    """Change the tenant's plan under billing's rules (module docstring); audited.

    Refusals: Enterprise is arranged by a platform admin (`contact_sales`); a downgrade that current
    usage exceeds is `PlanDowngradeBlocked` unless a platform admin overrides the limits.
    """
    now = now or utcnow()
    new_plan = get_plan(new_plan_code)
    if new_plan.is_custom_priced and not actor.is_platform_admin:
        raise PermissionDenied(gettext("The Enterprise plan is arranged with our sales team: contact sales to move to it."),
                               field="new_plan", code="contact_sales")
    if override_limits and not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins can override plan limits."), field="override_limits")
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        db.session.refresh(tenant)  # the plan and limits as they are under the lock
        revive_if_expired(tenant, actor, now)
        subscription = open_subscription(tenant, now)
        preview = preview_change(tenant, new_plan.code, now, subscription)
        old_plan = tenant.plan
        if preview.direction == "same":
            if subscription.scheduled_plan_code:
                _withdraw_schedule(tenant, subscription, actor)
                provider_follows(tenant, subscription)
            return PlanChange(preview, None, scheduled=False)
        if preview.blockers and not override_limits:
            raise PlanDowngradeBlocked(f"Can't move to the {new_plan.name} plan: " + "; ".join(preview.blockers)
                                       + ".", field="new_plan", details={"blockers": preview.blockers})
        details = {"from": old_plan.code, "to": new_plan.code, "direction": preview.direction,
                   "override_limits": bool(override_limits and preview.blockers), "blockers": preview.blockers}
        # A platform admin overriding the limits forces the move now (waiting would only meet the
        # blockers again at the period end); nothing is refunded for the rest of the period.
        if preview.effective_at > now and not override_limits:
            subscription.scheduled_plan_code = new_plan.code
            subscription.cancel_at_period_end = False
            record("billing.downgrade_scheduled", actor, tenant_id=tenant.id, target_type="tenant",
                   target_id=tenant.id, details={**details, "effective_at": preview.effective_at.isoformat()})
            provider_follows(tenant, subscription)
            return PlanChange(preview, None, scheduled=True)
        invoice = None
        if preview.proration_lines:
            invoice = invoices.issue(tenant, subscription, preview.proration_lines, reason="upgrade", now=now,
                                     due_days=_config("BILLING_INVOICE_DUE_DAYS", 14))
            details["invoice"] = invoice.display_number
        subscription.scheduled_plan_code = None
        subscription.cancel_at_period_end = False
        tenant.plan_code = new_plan.code
        tenant.plan = new_plan
        record("tenant.plan_changed", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details=details)
        provider_follows(tenant, subscription)
    return PlanChange(preview, invoice, scheduled=False)


def provider_follows(tenant: Tenant, subscription: Subscription) -> None:
    """A payment provider with state of its own (Stripe) catches up after the commit, in a job
    (`billing.provider_sync`): its plan, cancel-at-period-end, and a charge for a new proration."""
    if subscription.provider == "manual":
        return
    from app.jobs import enqueue

    enqueue("billing.provider_sync", tenant_id=tenant.id)


def _withdraw_schedule(tenant: Tenant, subscription: Subscription, actor: Actor) -> None:
    record("billing.downgrade_withdrawn", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
           details={"was": subscription.scheduled_plan_code})
    subscription.scheduled_plan_code = None
    subscription.cancel_at_period_end = False


def cancel(tenant: Tenant, actor: Actor, now: datetime | None = None) -> Subscription:
    """Cancel at the period end: the tenant moves to Free then (the downgrade rules apply then too)."""
    now = now or utcnow()
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        subscription = open_subscription(tenant, now)
        if tenant.plan_code == FREE_PLAN:
            raise ValidationError(gettext("The Free plan has nothing to cancel."), field="plan", code="nothing_to_cancel")
        subscription.scheduled_plan_code = FREE_PLAN
        subscription.cancel_at_period_end = True
        record("billing.cancelled", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"effective_at": subscription.current_period_end.isoformat(), "plan": tenant.plan_code})
        provider_follows(tenant, subscription)
    return subscription


def resume(tenant: Tenant, actor: Actor, now: datetime | None = None) -> Subscription:
    """Withdraw a cancellation (or any downgrade waiting for the period end)."""
    now = now or utcnow()
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        subscription = open_subscription(tenant, now)
        if subscription.scheduled_plan_code:
            _withdraw_schedule(tenant, subscription, actor)
            provider_follows(tenant, subscription)
    return subscription


def roll_period(tenant: Tenant, subscription: Subscription, now: datetime, actor: Actor) -> list[Invoice]:
    """Start every period that has begun by `now`: apply a waiting downgrade (if usage still allows it)
    and invoice the new period. Idempotent: a period already started is not started again.
    Part of the caller's unit of work (the lifecycle tick's)."""
    issued: list[Invoice] = []
    while subscription.current_period_end <= now:
        start = subscription.current_period_end
        if subscription.scheduled_plan_code and subscription.scheduled_plan_code != tenant.plan_code:
            _apply_scheduled(tenant, subscription, actor)
        subscription.scheduled_plan_code = None
        subscription.cancel_at_period_end = False
        subscription.current_period_start = start
        subscription.current_period_end = periods.add_month(start, subscription.anchor_day)
        if tenant.status in NOT_SERVED:
            continue  # a suspended tenant is not served, so its period is not charged
        invoice = invoice_period(tenant, subscription, start)
        if invoice is not None:
            issued.append(invoice)
    return issued


def _apply_scheduled(tenant: Tenant, subscription: Subscription, actor: Actor) -> None:
    new_plan = get_plan(subscription.scheduled_plan_code)
    blockers = downgrade_blockers(tenant, new_plan)
    if blockers:
        record("billing.downgrade_blocked", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"to": new_plan.code, "blockers": blockers})
        return
    record("tenant.plan_changed", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
           details={"from": tenant.plan_code, "to": new_plan.code, "direction": "downgrade",
                    "scheduled": True, "cancelled": subscription.cancel_at_period_end})
    tenant.plan_code = new_plan.code
    tenant.plan = new_plan


def renew(tenant: Tenant, actor: Actor, now: datetime | None = None) -> list[Invoice]:
    """Start the periods that have begun by `now` (see `roll_period`) in a unit of work of its own."""
    now = now or utcnow()
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        db.session.refresh(tenant)
        subscription = open_subscription(tenant, now)
        issued = roll_period(tenant, subscription, now, actor)
    return issued
