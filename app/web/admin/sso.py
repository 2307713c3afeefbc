"""`/admin/tenants/<id>/sso/...`: platform admins switch a tenant's SSO connection off (or on) and
lift its "Require SSO" (break-glass). The tenant page lists the connections."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _

from app.services import tenants
from app.services.sso import connections, enforcement
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.forms import LiftSsoForm, SwitchConnectionForm
from app.web.admin.tenants import _act


@bp.platform("/tenants/<tenant_id>/sso/<connection_id>/switch", methods=["POST"])
def switch_connection(tenant_id: str, connection_id: str):
    tenant, form = tenants.get_tenant(tenant_id), SwitchConnectionForm()
    connection = connections.find_connection(connection_id)
    if connection is None or connection.tenant_id != tenant.id:
        abort(404)
    off = form.disabled.data == "1"
    return _act(tenant, form, "switch_form", lambda: connections.set_platform_disabled(connection, off, current_authority()),
                lambda: (_("%(name)s is switched off for %(org)s.", name=connection.name, org=tenant.name) if off
                         else _("%(name)s may be used again.", name=connection.name)))


@bp.platform("/tenants/<tenant_id>/sso/lift-requirement", methods=["POST"])
def lift_sso_requirement(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), LiftSsoForm()
    return _act(tenant, form, "lift_sso_form",
                lambda: enforcement.lift_requirement(tenant, current_authority(), form.reason.data or ""),
                lambda: _("%(org)s's members may sign in with a password again.", org=tenant.name), fallback="reason")
