"""The admin tenant page's "Beta features" panel: allow a beta of the catalogue for the tenant, or
withdraw it (which also switches it off). The panel (`admin/_beta_features.html`) reads what it
shows through `admin_beta_features(tenant)`, so the tenant page needs nothing but its include line.
The rules are `services.beta_features`'s."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.models import Tenant
from app.services import beta_features, tenants
from app.services.errors import DomainError
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.forms import ActionForm


@bp.app_template_global()
def admin_beta_features(tenant: Tenant) -> dict:
    """What the panel shows: every beta with whether it is allowed and enabled, and the CSRF form."""
    return {"betas": beta_features.platform_view(tenant), "form": ActionForm(formdata=None)}


@bp.platform("/tenants/<tenant_id>/beta-features/<key>", methods=["POST"])
def allow_beta_feature(tenant_id: str, key: str):
    """Allow (`allowed=1`) or withdraw (`allowed=0`) one beta, then back to the tenant page."""
    tenant = tenants.get_tenant(tenant_id)
    back = redirect(url_for("admin.tenant_detail", tenant_id=tenant.id) + "#beta-features-panel")
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return back
    allowed = request.form.get("allowed") == "1"
    try:
        state = beta_features.allow(tenant, key, allowed, current_authority())
    except DomainError as exc:
        flash(exc.message, "danger")
        return back
    if state.allowed:
        flash(_("%(label)s is allowed for %(name)s; its admins can switch it on.", label=state.feature.label,
                name=tenant.name), "success")
    else:
        flash(_("%(label)s is withdrawn from %(name)s and switched off.", label=state.feature.label,
                name=tenant.name), "success")
    return back
