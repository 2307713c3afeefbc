"""Billing details (printed on invoices) and the way to pay, as owners edit them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext

from app.billing import subscriptions
from app.billing.providers.manual import BANK_TRANSFER
from app.extensions import db
from app.models import Subscription, Tenant
from app.services.audit import Actor, record
from app.services.errors import ValidationError
from app.services.transaction import lock_tenant, unit_of_work

MAX_COMPANY = 200
MAX_ADDRESS = 1000
MAX_TAX_ID = 64
TAX_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 .\-/]{1,62}[A-Za-z0-9]$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class BillingDetails:
    company_name: str | None = None
    address: str | None = None
    tax_id: str | None = None
    billing_email: str | None = None


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def validate(details: BillingDetails) -> BillingDetails:
    """The details trimmed, or a `ValidationError` naming every field at fault at once."""
    cleaned = BillingDetails(*(_clean(getattr(details, name)) for name in BillingDetails.__dataclass_fields__))
    errors: dict[str, list[str]] = {}
    if cleaned.company_name and len(cleaned.company_name) > MAX_COMPANY:
        errors["company_name"] = [gettext("At most %(max_company)s characters.", max_company=MAX_COMPANY)]
    if cleaned.address and len(cleaned.address) > MAX_ADDRESS:
        errors["address"] = [gettext("At most %(max_address)s characters.", max_address=MAX_ADDRESS)]
    if cleaned.tax_id and not TAX_ID_PATTERN.match(cleaned.tax_id):
        errors["tax_id"] = [gettext("A tax id is 3 to 64 letters, digits, spaces, dots, dashes or slashes.")]
    if cleaned.billing_email and (len(cleaned.billing_email) > 254 or not EMAIL_PATTERN.match(cleaned.billing_email)):
        errors["billing_email"] = [gettext("Enter an email address like billing@example.com.")]
    if errors:
        raise ValidationError(gettext("Some billing details are not valid."), details={"fields": errors})
    return cleaned


def update_details(tenant: Tenant, details: BillingDetails, actor: Actor) -> Subscription:
    """Save the billing details for the next invoices (issued ones keep the details they were issued with)."""
    cleaned = validate(details)
    subscription = subscriptions.ensure_subscription(tenant)
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        db.session.refresh(subscription)
        changed = {}
        for name in BillingDetails.__dataclass_fields__:
            value = getattr(cleaned, name)
            if getattr(subscription, name) != value:
                setattr(subscription, name, value)
                changed[name] = value
        if changed:
            record("billing.details_updated", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
                   details={"fields": sorted(changed)})
    return subscription


def choose_bank_transfer(tenant: Tenant, actor: Actor) -> Subscription:
    """Manual provider: the owner will pay invoices by bank transfer (the payment method on file)."""
    subscription = subscriptions.ensure_subscription(tenant)
    with unit_of_work():
        lock_tenant(db.session, tenant.id)
        db.session.refresh(subscription)
        if subscription.payment_method != BANK_TRANSFER:
            subscription.payment_method = BANK_TRANSFER
            record("billing.payment_method_set", actor, tenant_id=tenant.id, target_type="tenant",
                   target_id=tenant.id, details={"method": BANK_TRANSFER})
    return subscription
