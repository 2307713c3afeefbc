"""`/`: send a visitor where they belong (their last tenant, the tenant list, or sign-in).

Also remembers the tenant a signed-in user last opened, so the next sign-in lands there.
"""

from __future__ import annotations

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.services import accounts, tenants
from app.services.errors import DomainError, PermissionDenied
from app.tenancy.principal import caller_tenants, current_authority
from app.web.home import bp
from app.web.home.forms import NewOrganisationForm
from app.web.rendering import show_error


@bp.public("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    memberships = caller_tenants()
    by_id = {t.id: t for t, _ in memberships}
    for remembered in (session.get("tenant_id"), current_user.last_tenant_id):
        if remembered in by_id:
            return redirect(url_for("dashboard.index", tenant_slug=by_id[remembered].slug))
    if len(memberships) == 1:
        return redirect(url_for("dashboard.index", tenant_slug=memberships[0][0].slug))
    if not memberships and current_user.is_platform_admin:
        return redirect(url_for("admin.overview"))
    return render_template("home/choose.html", memberships=memberships)


@bp.signed_in("/organisations")
def choose():
    """Every organisation of the user: the tenant switcher's page when JavaScript is off."""
    return render_template("home/choose.html", memberships=caller_tenants())


@bp.signed_in("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    """A signed-in user creates another organisation, on the Free plan, as its owner."""
    if session.get("impersonator_id"):
        raise PermissionDenied(_("New organisations cannot be created while viewing as an owner."),
                               code="impersonation_refused")
    form = NewOrganisationForm()
    if form.validate_on_submit():
        try:
            tenant = tenants.create_tenant(form.organisation.data, form.slug.data, current_user.email, "free",
                                           current_authority())
        except DomainError as exc:
            show_error(form, exc, fallback="organisation")
        else:
            flash(_("%(org)s is ready on the Free plan.", org=tenant.name), "success")
            return redirect(url_for("dashboard.index", tenant_slug=tenant.slug))
    status = 422 if request.method == "POST" else 200
    return render_template("home/new.html", form=form, base_domain=current_app.config.get("TENANT_BASE_DOMAIN"),
                           public_url=current_app.config["PUBLIC_URL"]), status


@bp.after_app_request
def remember_tenant(response):
    """A portal page of a tenant the user belongs to becomes their "last used" tenant."""
    tenant = g.get("tenant")
    if (tenant is None or g.get("tenant_role") is None or request.path.startswith("/api/")
            or response.status_code >= 400 or not current_user.is_authenticated
            or session.get("impersonator_id")):
        return response
    if session.get("tenant_id") != tenant.id:
        session["tenant_id"] = tenant.id
    if current_user.last_tenant_id != tenant.id:
        accounts.set_last_tenant(current_user._get_current_object(), tenant.id)
    return response
