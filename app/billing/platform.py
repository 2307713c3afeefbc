"""What platform admins see and do about billing: revenue figures from real subscriptions, invoices
across tenants (filters, CSV), credit, comped periods, Enterprise prices. Audited."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import Select, func, or_, select

from app.billing import subscriptions
from app.extensions import db
from app.models import AuditEvent, Credit, Invoice, Payment, Plan, Subscription, Tenant
from app.models.enums import InvoiceStatus, PaymentStatus, TenantStatus
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import PermissionDenied, ValidationError
from app.services.pagination import Page, paginate
from app.services.transaction import lock_tenant, unit_of_work

# Tenants that are billed for the current period (trials are not yet; suspended ones are not served).
BILLED_STATUSES = (TenantStatus.ACTIVE, TenantStatus.PAST_DUE, TenantStatus.READ_ONLY)
MAX_CREDIT_CENTS = 10_000_000


@dataclass(frozen=True)
class BillingMetrics:
    mrr_cents: int
    paying_tenants: int
    churned_30d: int
    failed_payments_30d: int
    open_invoices: int
    open_cents: int
    at_risk: list[Tenant]

    @property
    def arr_cents(self) -> int:
        return self.mrr_cents * 12

    @property
    def churn_rate(self) -> float:
        """Tenants that left a paid plan in 30 days, over those paying now plus them (percent)."""
        base = self.paying_tenants + self.churned_30d
        return round(100.0 * self.churned_30d / base, 1) if base else 0.0


def _require_admin(actor: Actor) -> None:
    if not actor.is_platform_admin:
        raise PermissionDenied(gettext("Only platform admins manage billing across tenants."))


def metrics(now: datetime | None = None) -> BillingMetrics:
    """MRR from the subscriptions billed now (list price, or Enterprise's agreed price), ARR = 12 x MRR,
    churn over 30 days (a paid plan left for Free, or a tenant purged for non-payment), failed payments."""
    now = now or utcnow()
    since = now - timedelta(days=30)
    price = func.coalesce(Plan.price_cents, Subscription.custom_price_cents, 0)
    mrr, paying = db.session.execute(
        select(func.coalesce(func.sum(price), 0), func.count())
        .select_from(Subscription).join(Tenant, Tenant.id == Subscription.tenant_id)
        .join(Plan, Plan.code == Tenant.plan_code)
        .where(Tenant.status.in_(BILLED_STATUSES), price > 0)).one()
    left = db.session.scalars(select(AuditEvent.details).where(
        AuditEvent.created_at >= since,
        AuditEvent.action.in_(("tenant.plan_changed", "billing.purged")))).all()
    churned = sum(1 for d in left if d.get("to") == "free" or "slug" in d)
    failed = db.session.scalar(select(func.count()).select_from(Payment).where(
        Payment.status == PaymentStatus.FAILED, Payment.attempted_at >= since)) or 0
    open_count, open_cents = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Invoice.total_cents), 0))
        .where(Invoice.status == InvoiceStatus.OPEN)).one()
    at_risk = list(db.session.scalars(
        select(Tenant).join(Subscription, Subscription.tenant_id == Tenant.id)
        .where(Subscription.past_due_since.is_not(None), Tenant.status != TenantStatus.DELETED)
        .order_by(Subscription.past_due_since).limit(20)))
    return BillingMetrics(int(mrr), int(paying), churned, int(failed), int(open_count), int(open_cents), at_risk)


def invoices_query(status: str | None = None, tenant: str | None = None) -> Select:
    stmt = select(Invoice).order_by(Invoice.number.desc())
    if status:
        stmt = stmt.where(Invoice.status == status)
    if tenant:
        needle = f"%{tenant.lower()}%"
        stmt = stmt.outerjoin(Tenant, Tenant.id == Invoice.tenant_id).where(
            or_(func.lower(Invoice.tenant_name).like(needle), func.lower(Tenant.slug).like(needle)))
    return stmt


def page_invoices(status: str | None, tenant: str | None, page: int = 1, per_page: int = 25) -> Page[Invoice]:
    return paginate(invoices_query(status, tenant), page, per_page)


CSV_COLUMNS = ("number", "tenant", "tenant_id", "status", "reason", "currency", "total", "issued_at", "due_at",
               "paid_at")


def invoices_csv(status: str | None = None, tenant: str | None = None) -> str:
    """The filtered invoices as CSV (amounts in major units, dates ISO 8601), streamed in chunks from SQL."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for invoice in db.session.scalars(invoices_query(status, tenant).execution_options(yield_per=500)):
        writer.writerow([invoice.display_number, invoice.tenant_name, invoice.tenant_id or "", invoice.status,
                         invoice.reason, invoice.currency, f"{invoice.total_cents / 100:.2f}",
                         invoice.issued_at.isoformat(), invoice.due_at.isoformat(),
                         invoice.paid_at.isoformat() if invoice.paid_at else ""])
    return buffer.getvalue()


def grant_credit(tenant: Tenant, amount_cents: int, reason: str, actor: Actor) -> Credit:
    """Credit the tenant (used first on its next invoices)."""
    _require_admin(actor)
    errors = {}
    if not isinstance(amount_cents, int) or not 0 < amount_cents <= MAX_CREDIT_CENTS:
        errors["amount"] = [gettext("Enter an amount between 0.01 and 100,000.00.")]
    reason = (reason or "").strip()
    if not reason or len(reason) > 255:
        errors["reason"] = [gettext("Say why, in at most 255 characters.")]
    if errors:
        raise ValidationError(gettext("The credit is not valid."), details={"fields": errors})
    subscription = subscriptions.ensure_subscription(tenant)
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        credit = Credit(tenant_id=tenant.id, amount_cents=amount_cents, currency=subscription.currency,
                        reason=reason, created_at=utcnow())
        db.session.add(credit)
        record("billing.credit_granted", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"amount_cents": amount_cents, "reason": reason})
    return credit


def comp_next_period(tenant: Tenant, actor: Actor) -> Subscription:
    """Waive the next period's invoice (it is still issued, with a "Complimentary period" line)."""
    _require_admin(actor)
    subscription = subscriptions.ensure_subscription(tenant)
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        db.session.refresh(subscription)
        subscription.comp_next_period = True
        record("billing.period_comped", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"period_start": subscription.current_period_end.isoformat()})
    return subscription


def set_custom_price(tenant: Tenant, price_cents: int, actor: Actor) -> Subscription:
    """Enterprise: the monthly price agreed with sales (the invoice line "Enterprise agreement")."""
    _require_admin(actor)
    if not isinstance(price_cents, int) or not 0 <= price_cents <= MAX_CREDIT_CENTS * 10:
        raise ValidationError(gettext("Enter a monthly price between 0 and 1,000,000.00."), field="price")
    if not tenant.plan.is_custom_priced:
        raise ValidationError(gettext("Only an Enterprise tenant has a custom price."), field="price")
    subscription = subscriptions.ensure_subscription(tenant)
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        db.session.refresh(subscription)
        previous = subscription.custom_price_cents
        subscription.custom_price_cents = price_cents
        record("billing.custom_price_set", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
               details={"from": previous, "to": price_cents})
    return subscription
