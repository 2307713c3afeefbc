"""`/`: send a visitor where they belong (their last tenant, the tenant list, or sign-in)."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from app.services.tenants import tenants_for_user
from app.web.home import bp


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    memberships = tenants_for_user(current_user)
    by_id = {t.id: t for t, _ in memberships}
    if current_user.last_tenant_id in by_id:
        return redirect(url_for("dashboard.index", tenant_slug=by_id[current_user.last_tenant_id].slug))
    if len(memberships) == 1:
        return redirect(url_for("dashboard.index", tenant_slug=memberships[0][0].slug))
    if not memberships and current_user.is_platform_admin:
        return redirect(url_for("admin.overview"))
    return render_template("home/choose.html", memberships=memberships)
