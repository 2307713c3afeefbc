"""Billing pages. Thin: every rule is in app/billing/ (docs/billing.md)."""

from __future__ import annotations

from flask import Response, flash, redirect, url_for
from flask_babel import gettext as _

from app.billing import details, invoices, overview, subscriptions
from app.billing.documents import invoice_pdf
from app.services.errors import DomainError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.billing import bp
from app.web.billing.forms import ActionForm, BillingDetailsForm
from app.web.rendering import render_page


def _tenant():
    return current_tenant._get_current_object()


def _back():
    return redirect(url_for("billing.index", tenant_slug=current_tenant.slug))


def _page(form: BillingDetailsForm | None = None, status: int = 200):
    tenant = _tenant()
    summary = overview.overview(tenant)
    sub = summary.subscription
    form = form or BillingDetailsForm(data={"company_name": sub.company_name, "address": sub.address,
                                            "tax_id": sub.tax_id, "billing_email": sub.billing_email})
    return render_page("billing/index.html", status=status, summary=summary, form=form, action=ActionForm(),
                       invoices=invoices.page_invoices(tenant.id, 1, 24).items)


@bp.tenant("/billing", "billing.read")
def index():
    return _page()


@bp.tenant("/billing/details", "billing.manage", methods=["POST"])
def update_details():
    form = BillingDetailsForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        details.update_details(_tenant(), details.BillingDetails(
            company_name=form.company_name.data, address=form.address.data, tax_id=form.tax_id.data,
            billing_email=form.billing_email.data), current_authority())
    except DomainError as exc:
        for name, messages in exc.details.get("fields", {}).items():
            if name in form:
                form[name].errors = list(messages)
        return _page(form, status=exc.http_status)
    flash(_("Billing details saved. The next invoices carry them."), "success")
    return _back()


@bp.tenant("/billing/payment-method", "billing.manage", methods=["POST"])
def payment_method():
    if ActionForm().validate_on_submit():
        details.choose_bank_transfer(_tenant(), current_authority())
        flash(_("Invoices will be paid by bank transfer. The bank details are on each invoice."), "success")
    return _back()


@bp.tenant("/billing/cancel", "billing.manage", methods=["POST"])
def cancel():
    if ActionForm().validate_on_submit():
        try:
            subscription = subscriptions.cancel(_tenant(), current_authority())
        except DomainError as exc:
            flash(exc.message, "danger")
            return _back()
        flash(_("Cancelled: the plan stays until %(date)s, then %(org)s moves to Free.",
                date=f"{subscription.current_period_end:%Y-%m-%d}", org=current_tenant.name), "success")
    return _back()


@bp.tenant("/billing/resume", "billing.manage", methods=["POST"])
def resume():
    if ActionForm().validate_on_submit():
        subscriptions.resume(_tenant(), current_authority())
        flash(_("Your plan continues."), "success")
    return _back()


@bp.tenant("/billing/invoices/<int:invoice_id>", "billing.read")
def invoice(invoice_id: int):
    found = invoices.get_invoice(_tenant(), invoice_id)
    return render_page("billing/invoice.html", invoice=found)


@bp.tenant("/billing/invoices/<int:invoice_id>/pdf", "billing.read")
def invoice_pdf_download(invoice_id: int):
    found = invoices.get_invoice(_tenant(), invoice_id)
    return Response(invoice_pdf(found), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{found.display_number}.pdf"'})
