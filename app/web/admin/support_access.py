"""The admin tenant page's "Support access" panel: ask the owners, open an approved grant, break glass.

The rules are `services.support_access`'s; opening a grant is viewing the portal as the owner
(`web/admin/impersonation.begin_viewing`) with the grant's reason, level and expiry in the session.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import impersonation, support_access, tenants
from app.services.errors import DomainError, ValidationError
from app.web.admin import bp
from app.web.admin.forms import ActionForm, BreakGlassForm, SupportAccessRequestForm
from app.web.admin.impersonation import begin_viewing, break_glass_minutes
from app.web.admin.tenants import show_tenant
from app.web.rendering import show_error


def _back(tenant, message: str):
    flash(message, "success")
    return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))


@bp.platform("/tenants/<tenant_id>/support-access/request", methods=["POST"])
def request_support_access(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), SupportAccessRequestForm(prefix="support")
    if form.validate_on_submit():
        try:
            support_access.request_access(tenant, current_user._get_current_object(), reason=form.reason.data,
                                          duration_minutes=form.duration_minutes.data, level=form.level.data,
                                          ip=request.remote_addr)
        except DomainError as exc:
            show_error(form, exc, fallback="reason")
        else:
            return _back(tenant, _("Access requested: the owners of %(name)s have been emailed.", name=tenant.name))
    return show_tenant(tenant, 422, support_request_form=form)


@bp.platform("/tenants/<tenant_id>/support-access/break-glass", methods=["POST"])
def break_glass(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), BreakGlassForm(prefix="glass")
    admin = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            if (form.confirm_slug.data or "").strip() != tenant.slug:
                raise ValidationError(_("Type %(slug)s to confirm.", slug=tenant.slug), field="confirm_slug")
            impersonation.check(tenant, admin)  # no emergency grant for a visit that cannot happen
            grant = support_access.break_glass(tenant, admin, reason=form.reason.data, ip=request.remote_addr,
                                               duration_minutes=break_glass_minutes())
            owner = impersonation.start(tenant, admin, grant.reason, ip=request.remote_addr, grant=grant)
        except DomainError as exc:
            show_error(form, exc, fallback="reason")
        else:
            return begin_viewing(tenant, admin, owner, grant.reason, grant)
    return show_tenant(tenant, 422, break_glass_form=form)


@bp.platform("/tenants/<tenant_id>/support-access/<int:grant_id>/open", methods=["POST"])
def open_support_access(tenant_id: str, grant_id: int):
    """View the portal as the owner under an approved grant."""
    tenant = tenants.get_tenant(tenant_id)
    admin = current_user._get_current_object()
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    try:
        grant = support_access.get_grant(tenant, grant_id)
        owner = impersonation.start(tenant, admin, grant.reason, ip=request.remote_addr, grant=grant)
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    return begin_viewing(tenant, admin, owner, grant.reason, grant)
