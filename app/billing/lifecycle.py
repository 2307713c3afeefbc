"""The tenant lifecycle billing drives, one idempotent `tick` at a time (docs/billing.md, "Lifecycle").

    trial -> active -> past_due -> read_only -> suspended -> pending_deletion -> purged

Days count from `past_due_since` (the failed payment, or the trial's end without a payment method).
Dunning emails go out on the days of BILLING_DUNNING_DAYS (0, 3, 7); day 14 read_only, day 30
suspended, day 60 pending deletion, and BILLING_PURGE_AFTER_DAYS (30) later the tenant is purged
with a last email. A payment at any point returns the tenant to active at once (`settle`).

`tick` may run any number of times (a scheduled job, `flask billing tick`): each tenant's step reads
the state under the tenant lock and moves it only forward, and each email is tied to a state change
or to the `dunning_emails_sent` counter, so a second run at the same moment changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from app.billing import invoices, notices, subscriptions
from app.billing.money import format_money
from app.billing.providers import get_provider
from app.extensions import db
from app.models import Invoice, Subscription, Tenant
from app.models.enums import InvoiceStatus, TenantStatus
from app.models.types import utcnow
from app.services import tenants
from app.services.audit import Actor, record
from app.services.errors import NotFound, PermissionDenied, ValidationError
from app.services.transaction import lock_tenant, unit_of_work

# The unpaid states in order; the tick only ever moves a tenant further along.
UNPAID_CHAIN = (TenantStatus.PAST_DUE, TenantStatus.READ_ONLY, TenantStatus.SUSPENDED, TenantStatus.PENDING_DELETION)
PAYING_STATUSES = (TenantStatus.TRIAL, TenantStatus.EXPIRED, TenantStatus.ACTIVE)
UNPAID_REASON = "invoices unpaid"


@dataclass(frozen=True)
class Schedule:
    """The days of the dunning walk (BILLING_* settings)."""

    dunning_days: tuple[int, ...] = (0, 3, 7)
    read_only_day: int = 14
    suspend_day: int = 30
    pending_deletion_day: int = 60
    purge_after_days: int = 30

    @classmethod
    def from_config(cls) -> Schedule:
        config = current_app.config
        days = str(config.get("BILLING_DUNNING_DAYS", "0,3,7"))
        return cls(dunning_days=tuple(sorted(int(day) for day in days.split(",") if day.strip())),
                   read_only_day=int(config.get("BILLING_READ_ONLY_DAY", 14)),
                   suspend_day=int(config.get("BILLING_SUSPEND_DAY", 30)),
                   pending_deletion_day=int(config.get("BILLING_PENDING_DELETION_DAY", 60)),
                   purge_after_days=int(config.get("BILLING_PURGE_AFTER_DAYS", 30)))

    def status_on(self, days_unpaid: int) -> TenantStatus:
        if days_unpaid >= self.pending_deletion_day:
            return TenantStatus.PENDING_DELETION
        if days_unpaid >= self.suspend_day:
            return TenantStatus.SUSPENDED
        if days_unpaid >= self.read_only_day:
            return TenantStatus.READ_ONLY
        return TenantStatus.PAST_DUE

    def purge_due(self, days_unpaid: int) -> bool:
        return days_unpaid >= self.pending_deletion_day + self.purge_after_days

    def deletion_date(self, past_due_since: datetime) -> datetime:
        return past_due_since + timedelta(days=self.pending_deletion_day + self.purge_after_days)


@dataclass
class TickReport:
    """What one tick did (for the CLI and logs)."""

    transitions: list[tuple[str, str, str]] = field(default_factory=list)  # slug, from, to
    invoices: int = 0
    emails: int = 0
    purged: list[str] = field(default_factory=list)


@dataclass
class _Step:
    notices: list[tuple[str, dict]] = field(default_factory=list)
    purge: bool = False


def days_unpaid(subscription: Subscription, now: datetime) -> int | None:
    if subscription.past_due_since is None:
        return None
    return max(0, (now - subscription.past_due_since) // timedelta(days=1))


def tick(now: datetime | None = None, actor: Actor | None = None) -> TickReport:
    """Advance every tenant's billing to `now`: subscriptions started, periods renewed and invoiced,
    trials ended, overdue invoices failed, dunning emails, status transitions, purges. Idempotent."""
    now = now or utcnow()
    actor = actor or Actor.system()
    schedule = Schedule.from_config()
    report = TickReport()
    unbilled = db.session.scalars(
        select(Tenant).outerjoin(Subscription, Subscription.tenant_id == Tenant.id)
        .where(Subscription.id.is_(None), Tenant.status != TenantStatus.DELETED).order_by(Tenant.id)).all()
    for tenant in unbilled:
        subscriptions.ensure_subscription(tenant, now)
    tenant_ids = db.session.scalars(
        select(Subscription.tenant_id).join(Tenant, Tenant.id == Subscription.tenant_id)
        .where(Tenant.status != TenantStatus.DELETED).order_by(Subscription.tenant_id)).all()
    db.session.commit()  # end the read transaction; each tenant's step is its own unit of work
    for tenant_id in tenant_ids:
        step_tenant(tenant_id, now, actor, schedule, report)
    return report


def step_tenant(tenant_id: str, now: datetime, actor: Actor, schedule: Schedule, report: TickReport) -> None:
    """One tenant's part of the tick, under its lock; emails and a purge follow the commit."""
    step = _Step()
    with unit_of_work() as session:
        lock_tenant(session, tenant_id)
        tenant = session.get(Tenant, tenant_id)
        if tenant is None or tenant.status == TenantStatus.DELETED:
            return
        session.refresh(tenant)
        subscription = subscriptions.find_subscription(tenant)
        if subscription is None:
            return
        before = tenant.status
        _follow_trial_extension(tenant, subscription)
        trial_over = subscriptions.in_trial(subscription) and subscription.current_period_end <= now
        issued = subscriptions.roll_period(tenant, subscription, now, actor)
        report.invoices += len(issued)
        if trial_over:
            _end_trial(tenant, subscription, now, actor, step)
        provider = get_provider(subscription.provider)
        for invoice in issued:
            if invoice.status == InvoiceStatus.OPEN:
                step.notices.append(("invoice_issued", _invoice_values(invoice)))
                _collect(provider, tenant, subscription, invoice, now, actor)
        if subscription.past_due_since is None:
            overdue = session.scalar(select(Invoice).where(Invoice.tenant_id == tenant.id,
                                                           Invoice.status == InvoiceStatus.OPEN,
                                                           Invoice.due_at <= now).order_by(Invoice.due_at))
            if overdue is not None:
                _payment_failed(tenant, subscription, overdue, overdue.due_at, "Not paid by the due date.", actor)
        if subscription.past_due_since is not None:
            _dun(tenant, subscription, now, actor, schedule, step)
        if tenant.status != before:
            report.transitions.append((tenant.slug, before, tenant.status))
    for kind, values in step.notices:
        report.emails += notices.notify(tenant, kind, **values)
    if step.purge:
        slug = tenant.slug
        _purge(tenant, actor)
        report.purged.append(slug)


def _follow_trial_extension(tenant: Tenant, subscription: Subscription) -> None:
    """A platform admin extended the trial (`services.tenants.extend_trial`): the trial period follows."""
    if (tenant.status == TenantStatus.TRIAL and tenant.trial_ends_at and subscriptions.in_trial(subscription)
            and tenant.trial_ends_at > subscription.trial_ends_at):
        subscription.trial_ends_at = subscription.current_period_end = tenant.trial_ends_at
        subscription.anchor_day = tenant.trial_ends_at.day


def _invoice_values(invoice: Invoice) -> dict:
    return {"number": invoice.display_number, "amount": format_money(invoice.total_cents, invoice.currency),
            "date": f"{invoice.due_at:%Y-%m-%d}"}


def _set_status(tenant: Tenant, status: TenantStatus, actor: Actor, **details: object) -> None:
    record("billing.status_changed", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
           details={"from": tenant.status, "to": status.value, **details})
    tenant.status = status


def _end_trial(tenant: Tenant, subscription: Subscription, now: datetime, actor: Actor, step: _Step) -> None:
    """Trial over: with a payment method (or on a free plan) active; without one past_due."""
    if tenant.status not in (TenantStatus.TRIAL, TenantStatus.EXPIRED):
        return
    owes = subscriptions.price_cents(tenant.plan, subscription) > 0
    if not owes or subscription.payment_method:
        _set_status(tenant, TenantStatus.ACTIVE, actor, reason="trial_ended")
        return
    _set_status(tenant, TenantStatus.PAST_DUE, actor, reason="no_payment_method")
    subscription.past_due_since = subscription.trial_ends_at or now
    subscription.dunning_emails_sent = 1  # the day-0 email is this one
    step.notices.append(("add_payment_method", {}))


def _collect(provider, tenant: Tenant, subscription: Subscription, invoice: Invoice, now: datetime,
             actor: Actor) -> None:
    if not subscription.payment_method:
        return
    outcome = provider.collect(tenant, subscription, invoice)
    if outcome.outcome == "paid":
        invoices.record_payment(invoice, succeeded=True, provider=provider.name, now=now,
                                provider_payment_id=outcome.provider_payment_id)
    elif outcome.outcome == "failed":
        _payment_failed(tenant, subscription, invoice, now, outcome.message or "The payment was declined.", actor,
                        provider=provider.name, provider_payment_id=outcome.provider_payment_id)


def _payment_failed(tenant: Tenant, subscription: Subscription, invoice: Invoice, at: datetime, message: str,
                    actor: Actor, *, provider: str = "manual", provider_payment_id: str | None = None) -> None:
    """Record the failed attempt and start the dunning clock (part of the caller's unit of work)."""
    invoices.record_payment(invoice, succeeded=False, provider=provider, now=at, failure_message=message,
                            provider_payment_id=provider_payment_id)
    record("billing.payment_failed", actor, tenant_id=tenant.id, target_type="invoice", target_id=invoice.id,
           details={"invoice": invoice.display_number, "message": message})
    if subscription.past_due_since is None:
        subscription.past_due_since = at
        subscription.dunning_emails_sent = 0
    if tenant.status in PAYING_STATUSES:
        _set_status(tenant, TenantStatus.PAST_DUE, actor, reason="payment_failed")


def _dun(tenant: Tenant, subscription: Subscription, now: datetime, actor: Actor, schedule: Schedule,
         step: _Step) -> None:
    days = days_unpaid(subscription, now) or 0
    due_emails = sum(1 for day in schedule.dunning_days if day <= days)
    if due_emails > subscription.dunning_emails_sent:
        # A tick that missed some days sends the latest reminder only, not a burst of old ones.
        kind = "payment_failed" if due_emails == 1 else "payment_reminder"
        step.notices.append((kind, {"days": days, "read_only_day": schedule.read_only_day}))
        record("billing.dunning_email", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"day": days, "number": due_emails})
        subscription.dunning_emails_sent = due_emails
    if tenant.status in PAYING_STATUSES:
        return  # not moved into the chain (e.g. an active tenant whose failure was just recorded)
    target = schedule.status_on(days)
    current = TenantStatus(tenant.status)
    if current in UNPAID_CHAIN and UNPAID_CHAIN.index(target) > UNPAID_CHAIN.index(current):
        _set_status(tenant, target, actor, days_unpaid=days)
        if target == TenantStatus.SUSPENDED:
            tenant.suspended_reason = UNPAID_REASON
        values = {"date": f"{schedule.deletion_date(subscription.past_due_since):%Y-%m-%d}"}
        step.notices.append((target.value, values))
    if current == TenantStatus.PENDING_DELETION and schedule.purge_due(days):
        step.purge = True


def _purge(tenant: Tenant, actor: Actor) -> None:
    """The last email first (the owners are gone afterwards), then the purge (audit trail and invoices stay)."""
    notices.notify(tenant, "purged")
    record_id = tenant.id
    with unit_of_work():
        record("billing.purged", actor, tenant_id=record_id, target_type="tenant", target_id=record_id,
               details={"slug": tenant.slug})
    tenants.soft_delete(tenant, actor)
    tenants.purge(tenant, actor)


# ----------------------------------------------------------------------------------------------- paying

def settle(tenant: Tenant, invoice: Invoice, actor: Actor, *, now: datetime | None = None, provider: str = "manual",
           provider_payment_id: str | None = None) -> Invoice:
    """Record that `invoice` is paid. With nothing else overdue the tenant is active again at once."""
    now = now or utcnow()
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        session.refresh(invoice)
        if invoice.status == InvoiceStatus.PAID:
            return invoice
        reactivated_from = record_paid(tenant, invoice, actor, now=now, provider=provider,
                                       provider_payment_id=provider_payment_id)
    if reactivated_from:
        notices.notify(tenant, "reactivated")
    return invoice


def record_paid(tenant: Tenant, invoice: Invoice, actor: Actor, *, now: datetime, provider: str,
                provider_payment_id: str | None = None) -> str | None:
    """`settle`'s change inside the caller's unit of work (under the tenant lock): the payment, its audit
    event, and the return to active. Returns the status the tenant was reactivated from (notify after
    the commit), or None."""
    if invoice.status != InvoiceStatus.OPEN:
        raise ValidationError(gettext("Only an open invoice can be paid."), field="invoice", code="invoice_not_open")
    invoices.record_payment(invoice, succeeded=True, provider=provider, now=now,
                            provider_payment_id=provider_payment_id)
    record("billing.invoice_paid", actor, tenant_id=tenant.id, target_type="invoice", target_id=invoice.id,
           details={"invoice": invoice.display_number, "amount_cents": invoice.total_cents,
                    "provider": provider})
    return _reactivate_if_settled(tenant, now, actor)


def collect_open(tenant: Tenant, actor: Actor, *, now: datetime | None = None, retry_failed: bool = False) -> int:
    """Ask the tenant's provider to collect its open invoices now (a card was just added, an upgrade
    issued a proration). Invoices already tried are left to the dunning walk unless `retry_failed`
    (a new card). Returns how many were tried."""
    now = now or utcnow()
    tried = 0
    reactivated_from = None
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        session.refresh(tenant)
        subscription = subscriptions.find_subscription(tenant)
        if subscription is None or not subscription.payment_method:
            return 0
        provider = get_provider(subscription.provider)
        for invoice in invoices.open_invoices(tenant.id):
            if not retry_failed and invoices.attempted(invoice):
                continue
            _collect(provider, tenant, subscription, invoice, now, actor)
            tried += 1
        if tried:
            reactivated_from = _reactivate_if_settled(tenant, now, actor)
    if reactivated_from:
        notices.notify(tenant, "reactivated")
    return tried


def _reactivate_if_settled(tenant: Tenant, now: datetime, actor: Actor) -> str | None:
    subscription = subscriptions.find_subscription(tenant)
    if subscription is None or subscription.past_due_since is None:
        return None
    # Still owing: an open invoice past its due date, or one that was already open when the clock started
    # (the first invoice of a trial that ended without a payment method).
    still_owing = db.session.scalar(select(Invoice.id).where(
        Invoice.tenant_id == tenant.id, Invoice.status == InvoiceStatus.OPEN,
        (Invoice.due_at <= now) | (Invoice.issued_at <= subscription.past_due_since)).limit(1))
    if still_owing:
        return None
    subscription.past_due_since = None
    subscription.dunning_emails_sent = 0
    previous = tenant.status
    suspended_by_admin = previous == TenantStatus.SUSPENDED and tenant.suspended_reason != UNPAID_REASON
    if previous in UNPAID_CHAIN and not suspended_by_admin:
        _set_status(tenant, TenantStatus.ACTIVE, actor, reason="paid")
        if tenant.suspended_reason == UNPAID_REASON:
            tenant.suspended_reason = None
        record("billing.reactivated", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"from": previous})
    return previous


def mark_paid(tenant: Tenant, invoice_id: int, actor: Actor, now: datetime | None = None) -> Invoice:
    """A platform admin records a bank transfer for one of the tenant's invoices (manual provider)."""
    if not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins can mark an invoice paid."))
    invoice = invoices.get_invoice(tenant, invoice_id)
    return settle(tenant, invoice, actor, now=now, provider="manual")


def find_invoice(invoice_id: int) -> Invoice:
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        raise NotFound(gettext("Invoice not found."), code="invoice_not_found")
    return invoice
