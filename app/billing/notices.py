"""The emails billing sends to a tenant's owners (through the outbox: `services.emails.send_mail`).

Each notice is sent after the change it reports has committed; the tick's state (status,
`dunning_emails_sent`) makes sure the same change is never reported twice.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, TenantUser, User
from app.models.enums import Role
from app.services import emails


def owner_emails(tenant: Tenant) -> list[str]:
    return list(db.session.scalars(
        select(User.email).join(TenantUser, TenantUser.user_id == User.id)
        .where(TenantUser.tenant_id == tenant.id, TenantUser.role == Role.OWNER, TenantUser.status == "active")
        .order_by(User.email)))


def _subjects() -> dict[str, str]:
    return {
        "add_payment_method": _("%(org)s: your trial has ended, add a payment method"),
        "payment_failed": _("%(org)s: payment failed"),
        "payment_reminder": _("%(org)s: your invoice is still unpaid"),
        "read_only": _("%(org)s is now read-only: invoices unpaid"),
        "suspended": _("%(org)s is suspended: invoices unpaid"),
        "pending_deletion": _("%(org)s will be deleted unless its invoices are paid"),
        "purged": _("%(org)s has been deleted"),
        "reactivated": _("%(org)s: payment received, welcome back"),
        "invoice_issued": _("%(org)s: invoice %(number)s"),
    }


def _bodies() -> dict[str, str]:
    return {
        "add_payment_method": _("The trial of %(org)s has ended and no payment method is on file. Add one on the "
                                "Billing page to keep using it."),
        "payment_failed": _("We could not collect the payment for %(org)s. Please pay the open invoice on the "
                            "Billing page."),
        "payment_reminder": _("The invoice of %(org)s is still unpaid (%(days)s days). After %(read_only_day)s "
                              "days %(org)s becomes read-only."),
        "read_only": _("%(org)s is read-only: its members can read and export their data but change nothing "
                       "until the open invoice is paid."),
        "suspended": _("%(org)s is suspended for non-payment. Only the Billing page is open. Pay the open "
                       "invoice to restore it."),
        "pending_deletion": _("%(org)s is scheduled for deletion on %(date)s. Paying the open invoice before "
                              "then keeps it and all of its data."),
        "purged": _("%(org)s and its data have been deleted after its invoices stayed unpaid. Its invoices "
                    "remain on record."),
        "reactivated": _("Thank you: the payment for %(org)s was received and it is active again."),
        "invoice_issued": _("Invoice %(number)s for %(org)s: %(amount)s, due %(date)s."),
    }


def notify(tenant: Tenant, kind: str, **values: object) -> int:
    """Email `kind` to every owner of `tenant`; returns how many messages were queued."""
    recipients = owner_emails(tenant)
    context = {"org": tenant.name, **values}
    link = emails.public_url(f"/t/{tenant.slug}/billing")
    for address in recipients:
        # Each owner reads it in their own language (else the organisation's).
        with emails.speaking(emails.recipient_language(address, tenant)):
            subject = _subjects()[kind] % context
            body = _bodies()[kind] % context
            text = render_template("email/billing_notice.txt", body=body, link=link)
        emails.send_mail(address, subject, text, kind=f"billing.{kind}", tenant_id=tenant.id)
    return len(recipients)
