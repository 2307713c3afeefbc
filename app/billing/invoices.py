"""Invoices: numbered once for the whole platform, lines that add up, credits applied, payments recorded.

Functions here write into the caller's unit of work (they never commit): issuing an invoice is
always part of a larger change (a renewal, an upgrade, a trial's end) that stands or falls with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import Select, func, insert, select, update

from app.extensions import db
from app.models import Credit, Invoice, InvoiceLine, InvoiceSequence, Payment, Subscription, Tenant
from app.models.enums import InvoiceStatus, PaymentStatus
from app.services.errors import NotFound, ValidationError
from app.services.pagination import Page, paginate

SEQUENCE = "invoices"
MAX_ID = 2**31 - 1  # the id column's range: a bigger number names no invoice (and must not reach the database)


@dataclass(frozen=True)
class Line:
    """A line before it is written: what `issue` receives."""

    kind: str
    description: str
    amount_cents: int
    plan_code: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None


def next_number(session=None) -> int:
    """The next invoice number: one counter row bumped in this transaction (its write lock
    serialises two issuers, and a rolled-back invoice gives its number back)."""
    session = session or db.session
    bumped = session.execute(update(InvoiceSequence).where(InvoiceSequence.name == SEQUENCE)
                             .values(last_number=InvoiceSequence.last_number + 1)
                             .returning(InvoiceSequence.last_number)).scalar()
    if bumped is None:
        session.execute(insert(InvoiceSequence).values(name=SEQUENCE, last_number=1))
        bumped = 1
    return bumped


def credit_balance(tenant_id: str) -> int:
    """Credit the tenant holds (cents): grants minus what invoices used."""
    return db.session.scalar(select(func.coalesce(func.sum(Credit.amount_cents), 0))
                             .where(Credit.tenant_id == tenant_id)) or 0


def bill_to(tenant: Tenant, subscription: Subscription) -> dict:
    """Who the invoice is addressed to, copied onto it (it must read the same after the tenant changes)."""
    return {"name": subscription.company_name or tenant.name, "address": subscription.address or "",
            "tax_id": subscription.tax_id or "", "email": subscription.billing_email or "",
            "tenant_slug": tenant.slug}


def issue(tenant: Tenant, subscription: Subscription, lines: list[Line], *, reason: str, now: datetime,
          due_days: int = 0, period: tuple[datetime, datetime] | None = None, apply_credit: bool = True) -> Invoice:
    """Write a numbered invoice with `lines`, using the tenant's credit first (never below zero).

    An invoice whose total is zero is issued paid (a fully credited or comped period still has
    its record). Part of the caller's unit of work.
    """
    if not lines:
        raise ValidationError(gettext("An invoice needs at least one line."))
    lines = list(lines)
    subtotal = sum(line.amount_cents for line in lines)
    if subtotal < 0:
        raise ValidationError(gettext("An invoice cannot total less than zero."))
    used_credit = min(credit_balance(tenant.id), subtotal) if apply_credit else 0
    if used_credit > 0:
        lines.append(Line("credit", "Account credit applied", -used_credit))
    total = subtotal - used_credit
    invoice = Invoice(number=next_number(), tenant_id=tenant.id, tenant_name=tenant.name,
                      currency=subscription.currency, reason=reason, issued_at=now,
                      due_at=now + timedelta(days=due_days), total_cents=total,
                      status=InvoiceStatus.PAID if total == 0 else InvoiceStatus.OPEN,
                      paid_at=now if total == 0 else None, bill_to=bill_to(tenant, subscription),
                      period_start=period[0] if period else None, period_end=period[1] if period else None)
    invoice.lines = [InvoiceLine(position=n, kind=line.kind, description=line.description,
                                 amount_cents=line.amount_cents, plan_code=line.plan_code,
                                 period_start=line.period_start, period_end=line.period_end)
                     for n, line in enumerate(lines, start=1)]
    db.session.add(invoice)
    db.session.flush()
    if used_credit > 0:
        db.session.add(Credit(tenant_id=tenant.id, amount_cents=-used_credit, currency=subscription.currency,
                              reason=f"Applied to {invoice.display_number}", invoice_id=invoice.id, created_at=now))
    return invoice


def record_payment(invoice: Invoice, *, succeeded: bool, provider: str, now: datetime,
                   provider_payment_id: str | None = None, failure_message: str | None = None) -> Payment:
    """Record one attempt to collect `invoice`; a success marks it paid. Part of the caller's unit of work."""
    payment = Payment(invoice_id=invoice.id, amount_cents=invoice.total_cents, currency=invoice.currency,
                      status=PaymentStatus.SUCCEEDED if succeeded else PaymentStatus.FAILED, provider=provider,
                      provider_payment_id=provider_payment_id, failure_message=failure_message, attempted_at=now)
    db.session.add(payment)
    if succeeded:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = now
    return payment


def attempted(invoice: Invoice) -> bool:
    """Someone already tried to collect `invoice` (a payment attempt is on record)."""
    return db.session.scalar(select(Payment.id).where(Payment.invoice_id == invoice.id).limit(1)) is not None


def open_invoices(tenant_id: str) -> list[Invoice]:
    return list(db.session.scalars(select(Invoice).where(Invoice.tenant_id == tenant_id,
                                                         Invoice.status == InvoiceStatus.OPEN)
                                   .order_by(Invoice.number)))


def invoices_query(tenant_id: str) -> Select:
    return select(Invoice).where(Invoice.tenant_id == tenant_id).order_by(Invoice.number.desc())


def page_invoices(tenant_id: str, page: int = 1, per_page: int = 25) -> Page[Invoice]:
    """One page of a tenant's invoices, newest first."""
    return paginate(invoices_query(tenant_id), page, per_page)


def get_invoice(tenant: Tenant, invoice_id: int) -> Invoice:
    """The tenant's invoice `invoice_id`; another tenant's is "not found", as if it did not exist."""
    if not 0 < invoice_id <= MAX_ID:
        raise NotFound(gettext("Invoice not found."), code="invoice_not_found")
    invoice = db.session.scalar(select(Invoice).where(Invoice.id == invoice_id, Invoice.tenant_id == tenant.id))
    if invoice is None:
        raise NotFound(gettext("Invoice not found."), code="invoice_not_found")
    return invoice
