"""The settings pages (placeholder until the feature lands)."""

from flask import render_template

from app.tenancy.guard import tenant_required
from app.web.settings import bp


@bp.get("/t/<tenant_slug>/settings")
@tenant_required("settings.update")
def index(tenant_slug: str):
    return render_template("placeholder.html", title="Settings")


@bp.get("/t/<tenant_slug>/brand.css")
def brand_css(tenant_slug: str):
    """The tenant's brand colour as a stylesheet (inline styles are blocked by the CSP)."""
    from flask import make_response

    from app.services.tenants import find_tenant

    tenant = find_tenant(tenant_slug)
    color = tenant.config.brand_color if tenant and tenant.config else "#4f46e5"
    response = make_response(f":root {{ --brand: {color}; }}\n")
    response.mimetype = "text/css"
    response.cache_control.max_age = 3600
    return response
