"""The tenant's audit log: newest first, filtered by action and actor, paged with HTMX."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request, stream_with_context, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.services import audit, audit_export, entitlements
from app.services.audit_text import action_label
from app.services.pagination import clamp_paging
from app.tenancy.context import current_tenant
from app.web.audit import bp
from app.web.audit.forms import AuditFilterForm
from app.web.rendering import render_page

PER_PAGE = 25


@bp.tenant("/audit", "audit.read")
def index():
    tenant = current_tenant._get_current_object()
    form = AuditFilterForm(request.args)
    actions = audit.distinct_actions(tenant.id)
    form.action.choices = [SelectChoice("", _("All actions")), *[SelectChoice(a, action_label(a)) for a in actions]]
    action = request.args.get("action") or None
    actor = (request.args.get("actor") or "").strip()[:254] or None
    page_n, _per = clamp_paging(request.args.get("page"), PER_PAGE)
    page = audit.list_events(audit.AuditFilter(tenant_id=tenant.id, action=action, actor=actor), page_n, PER_PAGE)

    def url_for_page(n: int) -> str:
        args = {k: v for k, v in {"action": action, "actor": actor}.items() if v}
        return url_for("audit.index", tenant_slug=tenant.slug, page=n, **args)

    return render_page("audit/index.html", block="results", form=form, page=page, url_for_page=url_for_page,
                       filtered=bool(action or actor), can_export=entitlements.has_feature(tenant, "audit_export"),
                       export_args={k: v for k, v in {"action": action, "actor": actor}.items() if v})


@bp.tenant("/audit.csv", "audit.read")
def export():
    """The log as CSV with the page's filters (a plan entitlement: the refusal is the upgrade prompt)."""
    tenant = current_tenant._get_current_object()
    flt = audit.AuditFilter(tenant_id=tenant.id, action=request.args.get("action") or None,
                            actor=(request.args.get("actor") or "").strip()[:254] or None)
    lines = audit_export.tenant_csv(tenant, flt)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{tenant.slug}-{stamp}.csv"',
                             "Cache-Control": "no-store"})
