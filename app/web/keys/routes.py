"""The keys pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.keys import bp


@bp.get("/t/<tenant_slug>/keys")
@tenant_required("apikeys.manage")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Keys")
