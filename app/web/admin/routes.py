"""The platform admin console (placeholder until the feature lands)."""

from flask import redirect, render_template, session, url_for
from flask_login import login_required

from app.tenancy.guard import platform_required
from app.web.admin import bp


@bp.get("/admin/")
@login_required
@platform_required
def overview():
    return render_template("placeholder.html", title="Platform admin")


@bp.post("/admin/impersonation/stop")
@login_required
def stop_impersonation():
    session.pop("impersonator_id", None)
    return redirect(url_for("home.index"))
