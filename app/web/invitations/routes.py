"""The invitations pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.invitations import bp


@bp.get("/t/<tenant_slug>/invitations")
@tenant_required("invitations.manage")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Invitations")
