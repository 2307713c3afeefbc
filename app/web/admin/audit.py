"""`/admin/audit`: the fleet-wide audit log, filtered, paged, and exported as streamed CSV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, request, stream_with_context, url_for

from app.services import audit, fleet, tenants
from app.services.audit_export import csv_rows
from app.services.pagination import clamp_paging
from app.services.parsing import parse_datetime
from app.web.admin import bp
from app.web.rendering import render_page


def _date(value: str | None) -> datetime | None:
    """A `YYYY-MM-DD` filter date as UTC midnight; None for anything else (the filter is dropped)."""
    text = (value or "").strip()
    try:
        return parse_datetime(text) if len(text) == 10 else None
    except ValueError:
        return None


def _filter_from_args() -> tuple[audit.AuditFilter, dict]:
    """The filter, and the cleaned arguments (for links, the form and the export URL)."""
    args = {k: (request.args.get(k) or "").strip()[:120] for k in ("tenant", "actor", "action", "since", "until")}
    since, until = _date(args["since"]), _date(args["until"])
    args["since"] = since.date().isoformat() if since else ""
    args["until"] = until.date().isoformat() if until else ""
    # A slug is easier to type than an id; an id that matches nothing (a purged tenant) still filters.
    named = tenants.find_tenant(args["tenant"]) if args["tenant"] else None
    flt = audit.AuditFilter(tenant_id=(named.id if named else args["tenant"]) or None, actor=args["actor"] or None,
                            action=args["action"] or None, since=since,
                            # "until" is inclusive for people: the whole day counts.
                            until=until + timedelta(days=1) if until else None)
    return flt, {k: v for k, v in args.items() if v}


@bp.platform("/audit")
def audit_log():
    flt, args = _filter_from_args()
    page_n, _per = clamp_paging(request.args.get("page", 1), 50)
    page = audit.list_events(flt, page_n, 50)
    return render_page("admin/audit.html", block="audit_table", page=page, args=args,
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
