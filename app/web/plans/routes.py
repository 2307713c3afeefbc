"""The plans pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.plans import bp


@bp.get("/t/<tenant_slug>/plan")
@tenant_required("plans.read")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Plans")
