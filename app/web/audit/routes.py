"""The audit pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.audit import bp


@bp.get("/t/<tenant_slug>/audit")
@tenant_required("audit.read")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Audit")
