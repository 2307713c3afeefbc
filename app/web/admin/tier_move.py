"""`/admin/tenants/<id>/move`: a platform admin moves a tenant to another isolation tier.

The move is recorded and audited (`services.tier_move.start_move`) and carried out by the
`placement.move` job (inline without a broker); the tenant page's panel (`admin/_tier_move.html`)
shows its phase and polls this module's panel route while it runs.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from app.services import tenants, tier_move
from app.services.transaction import unit_of_work
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.forms import MoveTenantForm
from app.web.admin.tenants import _act, tier_move_panel


@bp.platform("/tenants/<tenant_id>/move")
def tier_move_panel_fragment(tenant_id: str):
    """The panel alone, for the page's polling while a move runs."""
    tenant = tenants.get_tenant(tenant_id)
    return render_template("admin/_tier_move.html", tenant=tenant, **tier_move_panel(tenant))


@bp.platform("/tenants/<tenant_id>/move", methods=["POST"])
def move_tenant(tenant_id: str):
    tenant = tenants.get_tenant(tenant_id)
    form = MoveTenantForm()
    tier_move_panel(tenant, form)  # sets the choices

    def start() -> None:
        from app.jobs import enqueue

        move = tier_move.start_move(tenant, form.target.data or "", current_authority())
        with unit_of_work():
            enqueue("placement.move", move_id=move.id)

    return _act(tenant, form, "move_form", start,
                lambda: _("%(name)s is moving to %(target)s isolation; progress is shown below.", name=tenant.name,
                          target=form.target.data), fallback="target")
