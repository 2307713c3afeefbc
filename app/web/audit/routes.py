"""The tenant's audit log: newest first, filtered by action and actor, paged with HTMX."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request, stream_with_context, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.services import audit, audit_export, entitlements
from app.services.audit_text import action_label
from app.services.errors import ValidationError
from app.services.pagination import Page, clamp_paging
from app.tenancy.context import current_tenant
from app.web.audit import bp
from app.web.audit.forms import AuditFilterForm
from app.web.rendering import is_htmx, render_page

PER_PAGE = 25


def _filter_args() -> dict[str, str]:
    """The page's filters as typed (for links, the form and the export URL)."""
    return {k: v for k in ("action", "actor", "since", "until")
            if (v := (request.args.get(k) or "").strip()[:254])}


@bp.tenant("/audit", "audit.read")
def index():
    tenant = current_tenant._get_current_object()
    form = AuditFilterForm(request.args)
    actions = audit.distinct_actions(tenant.id)
    form.action.choices = [SelectChoice("", _("All actions")), *[SelectChoice(a, action_label(a)) for a in actions]]
    args = _filter_args()
    page_n, _per = clamp_paging(request.args.get("page"), PER_PAGE)
    status = 200
    try:
        since, until = audit.date_range(args.get("since"), args.get("until"))
    except ValidationError as exc:  # beside its field, and an empty list instead of a silent "nothing"
        for name, messages in exc.details["fields"].items():
            getattr(form, name).errors = list(messages)
        page, status = Page(items=[], total=0, page=1, per_page=PER_PAGE), (200 if is_htmx() else 422)
    else:
        page = audit.list_events(audit.AuditFilter(tenant_id=tenant.id, action=args.get("action"),
                                                   actor=args.get("actor"), since=since, until=until),
                                 page_n, PER_PAGE)

    def url_for_page(n: int) -> str:
        return url_for("audit.index", tenant_slug=tenant.slug, page=n, **args)

    return render_page("audit/index.html", block="results", status=status, form=form, page=page,
                       url_for_page=url_for_page, filtered=bool(args),
                       date_errors={f.name: f.errors for f in (form.since, form.until) if f.errors},
                       can_export=entitlements.has_feature(tenant, "audit_export"), export_args=args)


@bp.tenant("/audit.csv", "audit.read")
def export():
    """The log as CSV with the page's filters (a plan entitlement: the refusal is the upgrade prompt)."""
    tenant = current_tenant._get_current_object()
    args = _filter_args()
    since, until = audit.date_range(args.get("since"), args.get("until"))  # a bad date is an error, not "everything"
    flt = audit.AuditFilter(tenant_id=tenant.id, action=args.get("action"), actor=args.get("actor"),
                            since=since, until=until)
    lines = audit_export.tenant_csv(tenant, flt)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{tenant.slug}-{stamp}.csv"',
                             "Cache-Control": "no-store"})
