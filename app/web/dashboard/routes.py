"""The dashboard pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.dashboard import bp


@bp.get("/t/<tenant_slug>/")
@tenant_required("tenant.read")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Dashboard")
