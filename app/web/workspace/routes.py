"""The workspace pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.workspace import bp


@bp.get("/t/<tenant_slug>/knowledge")
@tenant_required("documents.read")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Workspace")
