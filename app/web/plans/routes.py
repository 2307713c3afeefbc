"""The plan picker: four plans as cards; upgrade at once, downgrade after a check, Enterprise via sales."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_babel import gettext as _

from app.services import plans, quotas
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
            **extra}


def _back():
    return redirect(url_for("plans.index", tenant_slug=current_tenant.slug))


@bp.tenant("/plan", "plans.read")
def index():
    return render_page("plans/index.html", block="plans", **_context())


@bp.tenant("/plan/<code>", "plan.change")
def confirm(code: str):
    """Before a downgrade: what blocks it (the service's own reasons), or a confirm button."""
    tenant = current_tenant._get_current_object()
    target = plans.get_plan(code)
    if target.code == tenant.plan_code or target.is_custom_priced:
        return _back()
    return render_page("plans/confirm.html", target=target, current=tenant.plan,
                       blockers=plans.downgrade_blockers(tenant, target), form=ChangePlanForm(plan=target.code),
                       is_upgrade=target.sort_order > tenant.plan.sort_order)


@bp.tenant("/plan", "plan.change", methods=["POST"])
def change():
    tenant = current_tenant._get_current_object()
    form = ChangePlanForm()
    if not form.validate_on_submit():
        flash(_("Choose a plan."), "danger")
        return _back()
    previous = tenant.plan
    try:
        plans.change_plan(tenant, form.plan.data, current_authority())
    except NotFound:
        raise
    except DomainError as exc:
        flash(exc.message, "danger")
        return _back()
    new = tenant.plan
    if new.sort_order > previous.sort_order:
        flash(_("Upgraded to %(plan)s. The new limits apply now.", plan=new.name), "success")
    elif new.code != previous.code:
        flash(_("You are now on the %(plan)s plan.", plan=new.name), "success")
    return _back()
