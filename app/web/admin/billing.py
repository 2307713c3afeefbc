"""`/admin/billing`: revenue from real subscriptions, invoices across tenants (filters, CSV), marking a
bank transfer paid; `/admin/tenants/<id>/billing`: credit, comp a period, Enterprise price. Thin: the
rules are in app/billing/platform.py and app/billing/lifecycle.py."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Optional

from app.billing import invoices, lifecycle, overview, platform
from app.models import INVOICE_STATUSES
from app.services import tenants
from app.services.errors import DomainError
from app.services.pagination import clamp_paging
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.forms import ActionForm
from app.web.rendering import render_page


class CreditForm(FlaskForm):
    amount = StringField(validators=[Optional()])
    reason = StringField(validators=[Optional()])


class PriceForm(FlaskForm):
    price = StringField(validators=[Optional()])


def _cents(raw: str | None) -> int | None:
    """"12.50" -> 1250; anything that is not an amount -> None (the service says what is wrong)."""
    try:
        value = Decimal((raw or "").strip().replace(",", ""))
    except InvalidOperation:
        return None
    # The size first: quantizing 1e30 to cents exceeds the decimal context and raises.
    if not value.is_finite() or abs(value) > 10**9 or value != value.quantize(Decimal("0.01")):
        return None
    return int(value * 100)


def _filters() -> tuple[str | None, str | None]:
    status = request.args.get("status") if request.args.get("status") in INVOICE_STATUSES else None
    query = (request.args.get("q") or "").strip()[:100] or None
    return status, query


@bp.platform("/billing")
def billing_overview():
    status, query = _filters()
    page_n, _per = clamp_paging(request.args.get("page", 1), 25)
    filters = {k: v for k, v in (("status", status), ("q", query)) if v}
    return render_page("admin/billing.html", metrics=platform.metrics(), status=status, q=query,
                       csv_url=url_for("admin.billing_invoices_csv", **filters),
                       page=platform.page_invoices(status, query, page_n, 25), statuses=INVOICE_STATUSES,
                       action_form=ActionForm(formdata=None),
                       page_url=lambda n: url_for("admin.billing_overview", page=n, **filters))


@bp.platform("/billing/invoices.csv")
def billing_invoices_csv():
    status, query = _filters()
    return Response(platform.invoices_csv(status, query), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="invoices.csv"'})


@bp.platform("/billing/invoices/<int:invoice_id>/paid", methods=["POST"])
def billing_mark_paid(invoice_id: int):
    if ActionForm().validate_on_submit():
        try:
            invoice = lifecycle.find_invoice(invoice_id)
            tenant = tenants.get_tenant(invoice.tenant_id) if invoice.tenant_id else None
            if tenant is None:
                flash(_("This invoice's tenant no longer exists."), "danger")
            else:
                lifecycle.mark_paid(tenant, invoice.id, current_authority())
                flash(_("%(number)s is paid.", number=invoice.display_number), "success")
        except DomainError as exc:
            flash(exc.message, "danger")
    return redirect(request.referrer if (request.referrer or "").startswith(request.host_url)
                    else url_for("admin.billing_overview"))


def _tenant_page(tenant, credit_form=None, price_form=None, status: int = 200):
    return render_page("admin/tenant_billing.html", status=status, tenant=tenant, summary=overview.overview(tenant),
                       invoices=invoices.page_invoices(tenant.id, 1, 50).items, action_form=ActionForm(formdata=None),
                       credit_form=credit_form or CreditForm(formdata=None),
                       price_form=price_form or PriceForm(formdata=None))


@bp.platform("/tenants/<tenant_id>/billing")
def tenant_billing(tenant_id: str):
    return _tenant_page(tenants.get_tenant(tenant_id))


@bp.platform("/tenants/<tenant_id>/billing/credit", methods=["POST"])
def tenant_billing_credit(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), CreditForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.tenant_billing", tenant_id=tenant.id))
    try:
        platform.grant_credit(tenant, _cents(form.amount.data), form.reason.data, current_authority())
    except DomainError as exc:
        for name, messages in exc.details.get("fields", {}).items():
            form[name].errors = list(messages)
        return _tenant_page(tenant, credit_form=form, status=exc.http_status)
    flash(_("Credit granted."), "success")
    return redirect(url_for("admin.tenant_billing", tenant_id=tenant.id))


@bp.platform("/tenants/<tenant_id>/billing/comp", methods=["POST"])
def tenant_billing_comp(tenant_id: str):
    tenant = tenants.get_tenant(tenant_id)
    if ActionForm().validate_on_submit():
        platform.comp_next_period(tenant, current_authority())
        flash(_("The next period is complimentary."), "success")
    return redirect(url_for("admin.tenant_billing", tenant_id=tenant.id))


@bp.platform("/tenants/<tenant_id>/billing/price", methods=["POST"])
def tenant_billing_price(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), PriceForm()
    if not form.validate_on_submit():
        return redirect(url_for("admin.tenant_billing", tenant_id=tenant.id))
    try:
        platform.set_custom_price(tenant, _cents(form.price.data), current_authority())
    except DomainError as exc:
        form.price.errors = [exc.message]
        return _tenant_page(tenant, price_form=form, status=exc.http_status)
    flash(_("The Enterprise price is set; the next invoices carry it."), "success")
    return redirect(url_for("admin.tenant_billing", tenant_id=tenant.id))
