"""`/admin/tenants/<id>/flags`: a platform admin switches a feature flag on or off for one tenant
(optionally until an instant) or clears the override, from the tenant page.

Thin: `services.feature_flags` holds the rules (platform admins only, key format, expiry in the
future, audit); the JSON twin is `PUT/DELETE /api/v1/tenants/{id}/flags/{key}` (app/api/flags.py).
"""

from __future__ import annotations

from datetime import UTC

from flask_babel import gettext as _

from app.services import feature_flags, tenants
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.forms import ActionForm, FlagOverrideForm
from app.web.admin.tenants import _act


@bp.platform("/tenants/<tenant_id>/flags", methods=["POST"])
def set_flag_override(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), FlagOverrideForm(prefix="flag")
    enabled = form.enabled.data == "on"

    def save() -> None:
        expires_at = form.expires_at.data.replace(tzinfo=UTC) if form.expires_at.data else None
        feature_flags.set_override(tenant, form.key.data or "", enabled, current_authority(),
                                   expires_at=expires_at, note=form.note.data or "")

    def done() -> str:
        if form.expires_at.data:
            return _("%(flag)s is %(state)s for %(name)s until %(until)s UTC.", flag=form.key.data, name=tenant.name,
                     state=_("on") if enabled else _("off"), until=f"{form.expires_at.data:%Y-%m-%d %H:%M}")
        return _("%(flag)s is %(state)s for %(name)s.", flag=form.key.data, name=tenant.name,
                 state=_("on") if enabled else _("off"))

    return _act(tenant, form, "flag_form", save, done, fallback="key")


@bp.platform("/tenants/<tenant_id>/flags/<key>/clear", methods=["POST"])
def clear_flag_override(tenant_id: str, key: str):
    tenant, form = tenants.get_tenant(tenant_id), ActionForm()
    return _act(tenant, form, "flag_clear_form", lambda: feature_flags.clear_override(tenant, key, current_authority()),
                lambda: _("The override of %(flag)s is cleared; %(name)s gets the plan's value again.", flag=key,
                          name=tenant.name))
