"""`/admin/audit`: the fleet-wide audit log, filtered, paged, and exported as streamed CSV."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request, stream_with_context, url_for

from app.services import audit, fleet, tenants
from app.services.audit_export import csv_rows
from app.services.errors import ValidationError
from app.services.pagination import Page, clamp_paging
from app.web.admin import bp
from app.web.rendering import is_htmx, render_page


def _filter_from_args() -> tuple[audit.AuditFilter, dict]:
    """The filter, and the cleaned arguments (for links, the form and the export URL). A date that is
    not one, or an end before the start, raises `ValidationError` (never "export everything")."""
    args = {k: (request.args.get(k) or "").strip()[:120] for k in ("tenant", "actor", "action", "since", "until")}
    since, until = audit.date_range(args["since"], args["until"])
    # A slug is easier to type than an id; an id that matches nothing (a purged tenant) still filters.
    named = tenants.find_tenant(args["tenant"]) if args["tenant"] else None
    flt = audit.AuditFilter(tenant_id=(named.id if named else args["tenant"]) or None, actor=args["actor"] or None,
                            action=args["action"] or None, since=since, until=until)
    return flt, {k: v for k, v in args.items() if v}


@bp.platform("/audit")
def audit_log():
    try:
        flt, args = _filter_from_args()
    except ValidationError as exc:  # the form says what is wrong; the table stays empty
        args = {k: (request.args.get(k) or "").strip()[:120] for k in ("tenant", "actor", "action", "since", "until")}
        return render_page("admin/audit.html", block="audit_table", status=200 if is_htmx() else 422,
                           page=Page(items=[], total=0, page=1, per_page=50), args={k: v for k, v in args.items() if v},
                           date_errors=exc.details["fields"], page_url=lambda n: url_for("admin.audit_log", page=n),
                           actions=audit.distinct_actions(), slugs={})
    page_n, _per = clamp_paging(request.args.get("page", 1), 50)
    page = audit.list_events(flt, page_n, 50)
    return render_page("admin/audit.html", block="audit_table", page=page, args=args, date_errors={},
                       page_url=lambda n: url_for("admin.audit_log", page=n, **args),
                       actions=audit.distinct_actions(),
                       slugs=fleet.tenant_slugs({e.tenant_id for e in page.items if e.tenant_id}))


@bp.platform("/audit.csv")
def audit_export():
    flt, _args = _filter_from_args()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(stream_with_context(csv_rows(flt)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"',
                             "Cache-Control": "no-store"})
