"""Settings -> Support access: owners answer platform support's requests, revoke, grant standing access.

The rules are `services.support_access`'s. The notice of a waiting request (above every page of the
tenant, for those who may answer it) is `support_requests_waiting()`, a template global.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from app.services import support_access
from app.services.errors import DomainError, NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.rendering import render_page, show_error
from app.web.settings import bp
from app.web.settings.forms import StandingAccessForm, SupportDecisionForm


@bp.app_template_global()
def support_requests_waiting() -> int:
    """How many support-access requests wait for this tenant's owners (0 outside a tenant, or for
    someone who may not answer them, or while support itself is viewing)."""
    from flask import g

    from app.services.authority import allows

    tenant, authority = g.get("tenant"), g.get("authority")
    if tenant is None or authority is None or authority.impersonator_user_id is not None \
            or authority.is_platform_admin or not allows(authority, support_access.PERMISSION):
        return 0
    return support_access.pending_count(tenant)


def _page(form=None, status: int = 200):
    tenant = current_tenant._get_current_object()
    return render_page("settings/support_access.html", groups=support_access.grouped(tenant),
                       form=form or StandingAccessForm(formdata=None), decision_form=SupportDecisionForm(),
                       level_text=support_access.level_text, status_text=support_access.status_text,
                       effective_status=support_access.effective_status), status


def _list():
    return redirect(url_for("settings.support_access_index", tenant_slug=current_tenant.slug))


@bp.tenant("/settings/support-access", "support_access.manage")
def support_access_index():
    return _page()


@bp.tenant("/settings/support-access", "support_access.manage", methods=["POST"])
def grant_standing_access():
    form = StandingAccessForm()
    if form.validate_on_submit():
        try:
            support_access.grant_standing(current_tenant._get_current_object(), current_authority(),
                                          reason=form.reason.data, level=form.level.data, days=form.days.data)
        except DomainError as exc:
            show_error(form, exc, fallback="reason")
            return _page(form, exc.http_status)
        flash(_("Standing support access granted."), "success")
        return _list()
    return _page(form, 422)


def _decide(grant_id: int, decide, message: str):
    tenant = current_tenant._get_current_object()
    if SupportDecisionForm().validate_on_submit():
        try:
            decide(tenant, grant_id, current_authority())
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash(exc.message, "danger")
            return _list()
        flash(message, "success")
    return _list()


@bp.tenant("/settings/support-access/<int:grant_id>/approve", "support_access.manage", methods=["POST"])
def approve_support_access(grant_id: int):
    return _decide(grant_id, support_access.approve, _("Support access approved."))


@bp.tenant("/settings/support-access/<int:grant_id>/deny", "support_access.manage", methods=["POST"])
def deny_support_access(grant_id: int):
    return _decide(grant_id, support_access.deny, _("Support access denied."))


@bp.tenant("/settings/support-access/<int:grant_id>/revoke", "support_access.manage", methods=["POST"])
def revoke_support_access(grant_id: int):
    return _decide(grant_id, support_access.revoke, _("Support access revoked."))
