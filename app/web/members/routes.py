"""The members pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.members import bp


@bp.get("/t/<tenant_slug>/members")
@tenant_required("members.read")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Members")
