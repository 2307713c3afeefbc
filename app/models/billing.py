"""Billing tables: a tenant's subscription, its invoices and their lines, credits, payment attempts.

Money is integer cents with an ISO currency code beside it (never floats). The plan a tenant is on
is `tenants.plan_code` (the one source of truth for limits); the subscription holds what billing adds:
the current period, a downgrade waiting for the period end, the trial end, dunning state, the payment
method and the billing details printed on invoices. The rules are in `app/billing/`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import INVOICE_STATUSES, PAYMENT_STATUSES
from app.models.types import UTCDateTime, utcnow

DEFAULT_CURRENCY = "USD"


class Subscription(db.Model):
    """One per tenant. Periods are monthly, anchored on `anchor_day` (clamped to short months)."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), unique=True)
    currency: Mapped[str] = mapped_column(String(3), default=DEFAULT_CURRENCY)
    provider: Mapped[str] = mapped_column(String(16), default="manual")
    current_period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    anchor_day: Mapped[int] = mapped_column(Integer)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A downgrade waits for the period end; the blockers are checked again then.
    scheduled_plan_code: Mapped[str | None] = mapped_column(ForeignKey("plans.code"))
    cancel_at_period_end: Mapped[bool] = mapped_column(Boolean, default=False)
    # Enterprise: the price agreed with sales (the plan row has none).
    custom_price_cents: Mapped[int | None] = mapped_column(Integer)
    # The next period's invoice is waived (a platform admin's "comp a period").
    comp_next_period: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when a payment fails; dunning counts days from it; cleared by a payment.
    past_due_since: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # How many of the dunning emails (BILLING_DUNNING_DAYS) have gone out since `past_due_since`.
    dunning_emails_sent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # e.g. "card visa 4242", "bank transfer"; None: no way to pay on file.
    payment_method: Mapped[str | None] = mapped_column(String(64))
    provider_customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    provider_subscription_id: Mapped[str | None] = mapped_column(String(64), index=True)
    company_name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    tax_id: Mapped[str | None] = mapped_column(String(64))
    billing_email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Subscription {self.tenant_id}>"


class InvoiceSequence(db.Model):
    """The platform's last invoice number: one row, bumped under a write lock (numbers have no gaps)."""

    __tablename__ = "invoice_sequence"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Invoice(db.Model):
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint(f"status IN {INVOICE_STATUSES!r}", name="status_valid"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        Index("ix_invoices_tenant_issued", "tenant_id", "issued_at"),
        Index("ix_invoices_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    # Invoices are accounting records: they outlive a purged tenant (bill-to is copied onto them).
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    tenant_name: Mapped[str] = mapped_column(String(120))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="open")
    reason: Mapped[str] = mapped_column(String(32))  # period, upgrade, manual
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)
    bill_to: Mapped[dict] = mapped_column(JSON, default=dict)
    provider_invoice_id: Mapped[str | None] = mapped_column(String(64), index=True)

    lines: Mapped[list[InvoiceLine]] = relationship(order_by="InvoiceLine.position", cascade="all, delete-orphan",
                                                    lazy="selectin")

    @property
    def display_number(self) -> str:
        return f"INV-{self.number:06d}"

    def __repr__(self) -> str:
        return f"<Invoice {self.display_number}>"


class InvoiceLine(db.Model):
    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))  # plan, proration_credit, proration_charge, credit, comp, custom
    description: Mapped[str] = mapped_column(String(255))
    amount_cents: Mapped[int] = mapped_column(Integer)
    plan_code: Mapped[str | None] = mapped_column(String(32))
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Credit(db.Model):
    """A tenant's credit ledger: a grant is positive, its use on an invoice negative (balance = sum)."""

    __tablename__ = "billing_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(255))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(db.Model):
    """One attempt to collect an invoice, successful or not."""

    __tablename__ = "payments"
    __table_args__ = (CheckConstraint(f"status IN {PAYMENT_STATUSES!r}", name="status_valid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(16))
    provider_payment_id: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(String(255))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProviderEvent(db.Model):
    """A provider webhook event already handled: a redelivery finds its id here and changes nothing."""

    __tablename__ = "billing_provider_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))
    type: Mapped[str] = mapped_column(String(64))
    # What the event is about (a Stripe subscription or invoice id): an event about the same object
    # older than one already applied arrived out of order and changes nothing.
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # The provider's own timestamp: an older event than the last applied one is out of order.
    created: Mapped[int] = mapped_column(BigInteger)
    # What handling it did: `applied`, `ignored` (nothing of ours), `stale` (out of order).
    outcome: Mapped[str | None] = mapped_column(String(16))
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
