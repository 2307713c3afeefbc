"""Settings -> Data export: ask for the organisation's zip, watch it being built, download it (owners)."""

from __future__ import annotations

from flask import Response, flash, redirect, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.services import exports, storage
from app.services.errors import DomainError, NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.rendering import is_htmx, render_page
from app.web.settings import bp
from app.web.settings.forms import RequestExportForm

# The parts as the progress line names them (`services.exports.PARTS`).
STEP_LABELS = {"organisation": _l("Organisation"), "members": _l("Members"), "invitations": _l("Invitations"),
               "roles": _l("Roles"), "api_keys": _l("API keys"), "audit_log": _l("Audit log"), "usage": _l("Usage"),
               "documents": _l("Documents")}
STATUS_LABELS = {"queued": _l("Queued"), "running": _l("Being built"), "done": _l("Ready"), "failed": _l("Failed"),
                 "expired": _l("Expired")}


def _page(form: RequestExportForm | None = None, status: int = 200, error: str | None = None):
    tenant = current_tenant._get_current_object()
    history = exports.list_exports(tenant, 1, 10).items
    links = {e.id: url_for("settings.download_export", tenant_slug=tenant.slug, export_id=e.id,
                           token=exports.sign_download(tenant.id, e.id))
             for e in history if exports.is_downloadable(e)}
    return render_page("settings/exports.html", "exports_region", status=status, form=form or RequestExportForm(),
                       error=error, history=history, latest=history[0] if history else None, links=links,
                       under_way=exports.active_export(tenant) is not None, step_labels=STEP_LABELS,
                       status_labels=STATUS_LABELS)


@bp.tenant("/settings/exports", "data.export")
def exports_index():
    """The page; for HTMX (the 2-second poll while an export is built) only its region."""
    return _page()


@bp.tenant("/settings/exports", "data.export", methods=["POST"])
def request_export():
    form = RequestExportForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("settings.exports_index", tenant_slug=current_tenant.slug))
    try:
        exports.request(current_tenant._get_current_object(), current_authority())
    except DomainError as exc:
        if is_htmx():
            return _page(form, status=exc.http_status, error=exc.message)
        flash(exc.message, "danger")
        return redirect(url_for("settings.exports_index", tenant_slug=current_tenant.slug))
    if is_htmx():
        return _page()
    flash(_("Export requested. It is being built; this page shows its progress."), "success")
    return redirect(url_for("settings.exports_index", tenant_slug=current_tenant.slug))


@bp.tenant("/settings/exports/<int:export_id>/download", "data.export")
def download_export(export_id: int):
    """The zip, through the signed link the page shows (this tenant's, under 24 hours old, not expired)."""
    tenant = current_tenant._get_current_object()
    token = request.args.get("token", "")
    if exports.verify_download(tenant.id, token) != export_id:
        raise NotFound(_("This download link is not valid or has expired; request a new export."),
                       code="export_link_invalid")
    export, stream = exports.open_download(tenant, token, current_authority())

    def chunks():
        with stream:
            while chunk := stream.read(storage.CHUNK):
                yield chunk

    name = f"{tenant.slug}-export-{export.id}.zip"
    return Response(stream_with_context(chunks()), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})
