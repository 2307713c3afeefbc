"""What a tenant's Billing page and `GET /subscription` show, computed once for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.billing import invoices, lifecycle, subscriptions
from app.billing.money import Money
from app.models import Plan, Subscription, Tenant
from app.models.types import utcnow
from app.services.plans import get_plan


@dataclass(frozen=True)
class BillingOverview:
    tenant: Tenant
    subscription: Subscription
    plan: Plan
    price: Money
    in_trial: bool
    next_invoice_at: datetime
    next_invoice_amount: Money
    next_plan: Plan
    credit: Money
    open_total: Money
    deletion_date: datetime | None

    @property
    def payment_method(self) -> str | None:
        return self.subscription.payment_method

    def to_dict(self) -> dict:
        sub = self.subscription
        return {
            "tenant_id": self.tenant.id, "status": self.tenant.status, "plan": self.plan.code,
            "price": self.price.to_dict(), "currency": sub.currency, "provider": sub.provider,
            "in_trial": self.in_trial, "trial_ends_at": sub.trial_ends_at.isoformat() if sub.trial_ends_at else None,
            "current_period_start": sub.current_period_start.isoformat(),
            "current_period_end": sub.current_period_end.isoformat(),
            "cancel_at_period_end": sub.cancel_at_period_end, "scheduled_plan": sub.scheduled_plan_code,
            "next_invoice_at": self.next_invoice_at.isoformat(), "next_invoice_amount": self.next_invoice_amount.to_dict(),
            "payment_method": sub.payment_method, "credit": self.credit.to_dict(), "open_total": self.open_total.to_dict(),
            "past_due_since": sub.past_due_since.isoformat() if sub.past_due_since else None,
            "deletion_date": self.deletion_date.isoformat() if self.deletion_date else None,
            "billing_details": {"company_name": sub.company_name, "address": sub.address, "tax_id": sub.tax_id,
                                "billing_email": sub.billing_email},
        }


def overview(tenant: Tenant, now: datetime | None = None) -> BillingOverview:
    now = now or utcnow()
    subscription = subscriptions.ensure_subscription(tenant, now)
    currency = subscription.currency
    next_plan = get_plan(subscription.scheduled_plan_code) if subscription.scheduled_plan_code else tenant.plan
    credit = invoices.credit_balance(tenant.id)
    next_price = subscriptions.price_cents(next_plan, subscription)
    open_total = sum(invoice.total_cents for invoice in invoices.open_invoices(tenant.id))
    deletion = None
    if subscription.past_due_since is not None:
        deletion = lifecycle.Schedule.from_config().deletion_date(subscription.past_due_since)
    return BillingOverview(
        tenant=tenant, subscription=subscription, plan=tenant.plan,
        price=Money(subscriptions.price_cents(tenant.plan, subscription), currency),
        in_trial=subscriptions.in_trial(subscription), next_invoice_at=subscription.current_period_end,
        next_invoice_amount=Money(max(0, next_price - credit), currency), next_plan=next_plan,
        credit=Money(credit, currency), open_total=Money(open_total, currency), deletion_date=deletion)
