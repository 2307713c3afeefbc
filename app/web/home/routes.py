"""`/`: send a visitor where they belong (their last tenant, the tenant list, or sign-in).

Also remembers the tenant a signed-in user last opened, so the next sign-in lands there.
"""

from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from app.services import accounts
from app.services.tenants import tenants_for_user
from app.web.home import bp


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    memberships = tenants_for_user(current_user)
    by_id = {t.id: t for t, _ in memberships}
    for remembered in (session.get("tenant_id"), current_user.last_tenant_id):
        if remembered in by_id:
            return redirect(url_for("dashboard.index", tenant_slug=by_id[remembered].slug))
    if len(memberships) == 1:
        return redirect(url_for("dashboard.index", tenant_slug=memberships[0][0].slug))
    if not memberships and current_user.is_platform_admin:
        return redirect(url_for("admin.overview"))
    return render_template("home/choose.html", memberships=memberships)


@bp.get("/organisations")
@login_required
def choose():
    """Every organisation of the user: the tenant switcher's page when JavaScript is off."""
    return render_template("home/choose.html", memberships=tenants_for_user(current_user))


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
