"""Organisation settings: name, slug, time zone, language, brand colour; delete (owner only)."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _

from app.services import tenants
from app.services.errors import DomainError
from app.services.tenants import HEX_COLOR_RE
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.rendering import render_page, show_error
from app.web.settings import bp
from app.web.settings.forms import DeleteTenantForm, SettingsForm

DEFAULT_BRAND = "#4f46e5"


def tenant_address(slug: str) -> str:
    """Where the organisation is reached: its subdomain when one is configured, else its path."""
    base = current_app.config.get("TENANT_BASE_DOMAIN")
    if base:
        return f"{slug}.{base}"
    return current_app.config["PUBLIC_URL"].split("://", 1)[-1] + f"/t/{slug}/"


def _context(form=None, delete_form=None, status=200) -> dict:
    tenant = current_tenant._get_current_object()
    if form is None:
        form = SettingsForm(data={"name": tenant.name, "slug": tenant.slug, "timezone": tenant.config.timezone,
                                  "locale": tenant.config.locale, "brand_color": tenant.config.brand_color,
                                  "require_2fa": tenant.config.require_2fa})
    return {"form": form, "delete_form": delete_form or DeleteTenantForm(), "address": tenant_address,
            "base_domain": current_app.config.get("TENANT_BASE_DOMAIN"), "slug_redirect_days": tenants.SLUG_REDIRECT_DAYS}


@bp.tenant("/settings", "settings.update")
def index():
    return render_page("settings/index.html", block="settings_form", **_context())


@bp.tenant("/settings", "settings.update", methods=["POST"])
def update():
    tenant = current_tenant._get_current_object()
    form = SettingsForm()
    if form.validate_on_submit():
        old_slug = tenant.slug
        try:
            tenants.update_tenant(tenant, current_authority(), name=form.name.data, slug=form.slug.data,
                                  display_name=form.name.data, timezone=form.timezone.data,
                                  locale=form.locale.data, brand_color=form.brand_color.data,
                                  require_2fa=bool(form.require_2fa.data))
        except DomainError as exc:
            show_error(form, exc, fallback="name")
        else:
            if tenant.slug != old_slug:
                flash(_("Settings saved. The address is now %(address)s; the old one leads here for %(days)s days.",
                        address=tenant_address(tenant.slug), days=tenants.SLUG_REDIRECT_DAYS), "success")
            else:
                flash(_("Settings saved."), "success")
            # A new slug is a new address: go there (HTMX follows HX-Redirect with a full load,
            # so the header picks up a new brand colour too).
            target = url_for("settings.index", tenant_slug=tenant.slug)
            if request.headers.get("HX-Request"):
                response = make_response("", 204)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target)
    return render_page("settings/index.html", block="settings_form", status=200 if request.headers.get(
        "HX-Request") else 422, **_context(form=form))


@bp.tenant("/settings/delete", "tenant.delete", methods=["POST"])
def delete():
    tenant = current_tenant._get_current_object()
    form = DeleteTenantForm()
    if not form.validate_on_submit() or form.confirm_slug.data.strip().lower() != tenant.slug:
        form.confirm_slug.errors = [_("Type %(slug)s exactly to confirm.", slug=tenant.slug)]
        return render_page("settings/index.html", status=422, **_context(delete_form=form))
    name = tenant.name
    tenants.soft_delete(tenant, current_authority())
    days = current_app.config.get("DELETED_TENANT_GRACE_DAYS", 30)
    flash(_("%(org)s was deleted. Contact support within %(days)s days if this was a mistake.",
            org=name, days=days), "info")
    return redirect(url_for("home.index"))


def _contrast_for(color: str) -> str:
    """Black or white text, whichever reads better on `color` (WCAG relative luminance)."""
    channels = [int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#111827" if luminance > 0.4 else "#ffffff"


@bp.tenant("/brand.css", "tenant.read")
def brand_css():
    """The tenant's brand colour as a stylesheet (inline styles are blocked by the CSP).

    Guarded like every tenant page (a page of the tenant is the only place that links it), so an
    unknown slug and another tenant's answer the same 404 and a brand colour tells nobody a slug exists.
    """
    tenant = current_tenant._get_current_object()
    color = tenant.config.brand_color if tenant.config else DEFAULT_BRAND
    if not HEX_COLOR_RE.match(color or ""):
        color = DEFAULT_BRAND
    response = make_response(f":root {{ --brand: {color}; --brand-contrast: {_contrast_for(color)}; }}\n")
    response.mimetype = "text/css"
    response.cache_control.max_age = 3600
    response.cache_control.private = True  # members only: shared caches must not keep it
    return response
