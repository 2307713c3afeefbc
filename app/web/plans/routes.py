"""The plan picker: four plans as cards; every change shows billing's preview first (price, charged today,
next invoice, limits that change); upgrades apply at once, downgrades at the period end; Enterprise via sales."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _

from app.billing import subscriptions
from app.services import entitlements, plans, quotas
from app.services.errors import DomainError, NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.plans import bp
from app.web.plans.forms import ChangePlanForm
from app.web.rendering import render_page


def _context(**extra) -> dict:
    tenant = current_tenant._get_current_object()
    return {"plans": plans.list_plans(), "current": tenant.plan, "report": quotas.quota_report(tenant),
            "form": ChangePlanForm(), "sales_email": current_app.config["SALES_EMAIL"],
            "plan_features": entitlements.plan_features,
            **extra}


def _back():
    return redirect(url_for("plans.index", tenant_slug=current_tenant.slug))


@bp.tenant("/plan", "plans.read")
def index():
    return render_page("plans/index.html", block="plans", **_context())


@bp.tenant("/plan/<code>", "plan.change")
def confirm(code: str):
    """Before any change: billing's preview (what blocks a downgrade included), and a confirm button."""
    tenant = current_tenant._get_current_object()
    target = plans.get_plan(code)
    if target.code == tenant.plan_code or target.is_custom_priced:
        return _back()
    preview = subscriptions.preview_change(tenant, target.code)
    return render_page("plans/confirm.html", target=target, current=tenant.plan, preview=preview,
                       blockers=preview.blockers, form=ChangePlanForm(plan=target.code),
                       is_upgrade=preview.direction == "upgrade")


@bp.tenant("/plan", "plan.change", methods=["POST"])
def change():
    tenant = current_tenant._get_current_object()
    form = ChangePlanForm()
    if not form.validate_on_submit():
        flash(_("Choose a plan."), "danger")
        return _back()
    try:
        change = subscriptions.change_plan(tenant, form.plan.data, current_authority())
    except NotFound:
        raise
    except DomainError as exc:
        flash(exc.message, "danger")
        return _back()
    preview = change.preview
    if change.scheduled:
        flash(_("You move to the %(plan)s plan on %(date)s, at the end of the period you have paid for.",
                plan=preview.new_plan.name, date=f"{preview.effective_at:%Y-%m-%d}"), "success")
    elif change.invoice is not None:
        flash(_("Upgraded to %(plan)s. The new limits apply now; invoice %(number)s charges %(amount)s.",
                plan=preview.new_plan.name, number=change.invoice.display_number,
                amount=str(preview.charged_today)), "success")
    elif preview.direction == "upgrade":
        flash(_("Upgraded to %(plan)s. The new limits apply now.", plan=preview.new_plan.name), "success")
    elif preview.direction == "downgrade":
        flash(_("You are now on the %(plan)s plan.", plan=preview.new_plan.name), "success")
    return _back()
