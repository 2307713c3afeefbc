"""Data export: owners ask for their organisation's zip, a job builds it, a signed link hands it over.

    request(tenant, authority)        queue an export (one at a time per tenant: a second is 409)
    build(export_id)                  the job's work: the zip (`export_archive`), with progress, into storage
    open_download(tenant, token, authority)   the zip behind a signed link, audited
    expire(now)                       the scheduled clean-up: expired zips removed, lost builds failed

The zip lives in tenant storage (area `exports`) for 24 hours after it is built; links are signed
with the app secret for one tenant's export and also last 24 hours. Requesting and downloading are
audited. The permission is `data.export` (owners), open while billing holds the tenant read-only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import BinaryIO

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import EXPORT_ACTIVE_STATUSES, DataExport, Tenant
from app.models.types import utcnow
from app.services import storage
from app.services.audit import record
from app.services.authority import Authority, allows
from app.services.errors import Conflict, NotFound, PermissionDenied
from app.services.export_archive import PARTS, build_archive
from app.services.pagination import Page, paginate
from app.services.transaction import lock_tenant, unit_of_work

__all__ = [
    "PARTS",
    "build",
    "build_archive",
    "expire",
    "get_export",
    "list_exports",
    "open_download",
    "request",
    "sign_download",
    "verify_download",
]

log = logging.getLogger(__name__)

PERMISSION = "data.export"
AREA = "exports"
LINK_TTL_SECONDS = 24 * 3600
KEEP_FOR = timedelta(seconds=LINK_TTL_SECONDS)
# A queued or running export the job has said nothing about for this long is taken to be lost
# (its worker died): it no longer holds the tenant's place, and the clean-up marks it failed.
STALE_AFTER = timedelta(hours=1)
_LINK_SALT = "tenantry.data-export"


def _not_found() -> NotFound:
    return NotFound(gettext("Export not found."), code="export_not_found")


def get_export(tenant: Tenant, export_id: int | str) -> DataExport:
    """Export `export_id` of this tenant; another tenant's is simply not found."""
    try:
        eid = int(export_id)
    except (TypeError, ValueError):
        raise _not_found() from None
    found = db.session.scalar(select(DataExport).where(DataExport.tenant_id == tenant.id, DataExport.id == eid))
    if found is None:
        raise _not_found()
    return found


def list_exports(tenant: Tenant, page: int = 1, per_page: int = 10) -> Page:
    """The tenant's exports, newest first, a page at a time."""
    stmt = select(DataExport).where(DataExport.tenant_id == tenant.id).order_by(DataExport.id.desc())
    return paginate(stmt, page, per_page)


def active_export(tenant: Tenant, now: datetime | None = None) -> DataExport | None:
    """The tenant's queued or running export, unless it has gone silent (`STALE_AFTER`)."""
    since = (now or utcnow()) - STALE_AFTER
    return db.session.scalar(select(DataExport).where(DataExport.tenant_id == tenant.id,
                                                      DataExport.status.in_(EXPORT_ACTIVE_STATUSES),
                                                      DataExport.updated_at > since)
                             .order_by(DataExport.id.desc()).limit(1))


def request(tenant: Tenant, authority: Authority) -> DataExport:
    """Queue an export of `tenant` for `authority` (who must hold `data.export`); the job
    `exports.build` makes it after the commit. A tenant has one export under way at a time:
    while one is queued or running, another request is a 409 `export_in_progress`."""
    if not allows(authority, PERMISSION, tenant):
        raise PermissionDenied(gettext("Your role does not allow this."), details={"permission": PERMISSION})
    with unit_of_work() as session:
        lock_tenant(session, tenant.id)
        running = active_export(tenant)
        if running is not None:
            raise Conflict(gettext("An export of this organisation is already under way; wait for it to finish."),
                           code="export_in_progress", details={"export_id": running.id})
        now = utcnow()
        export = DataExport(tenant_id=tenant.id, requested_by_id=authority.user_id,
                            requested_by_label=authority.label or "", status="queued", progress=0, step="",
                            created_at=now, updated_at=now)
        session.add(export)
        session.flush()
        record("export.requested", authority, tenant_id=tenant.id, target_type="export", target_id=export.id,
               details={})
        from app.jobs import enqueue  # services never import the job modules at load time

        enqueue("exports.build", export_id=export.id)
    return export


def _storage_key(export: DataExport) -> str:
    return f"export-{export.id}.zip"


def build(export_id: int) -> None:
    """Build export `export_id` (the job's work; a second run of a finished export does nothing).

    Progress is committed after each part, so the page polling it sees the bar move. A failure is
    recorded on the export (status `failed`, the error) rather than retried: the owner asks again."""
    session = db.session
    export = session.get(DataExport, export_id)
    if export is None or export.status not in EXPORT_ACTIVE_STATUSES:
        return
    tenant = session.get(Tenant, export.tenant_id)
    export.status, export.updated_at = "running", utcnow()
    session.commit()

    def progress(percent: int, part: str) -> None:
        # The last part reports 100 before the zip is stored: hold the bar just short of done.
        export.progress, export.step, export.updated_at = min(percent, 99), part, utcnow()
        session.commit()

    try:
        data = build_archive(tenant, progress=progress)
        key = _storage_key(export)
        size = storage.write(tenant.id, AREA, key, data)
    except Exception as exc:  # any failure ends this export; it must not stay "running" forever
        session.rollback()
        log.exception("data export %s of tenant %s failed", export_id, export.tenant_id)
        export = session.get(DataExport, export_id)
        export.status, export.error = "failed", f"{exc.__class__.__name__}: {exc}"[:2000]
        export.finished_at = export.updated_at = utcnow()
        session.commit()
        return
    now = utcnow()
    export.status, export.progress, export.step = "done", 100, ""
    export.storage_key, export.size_bytes = key, size
    export.finished_at = export.updated_at = now
    export.expires_at = now + KEEP_FOR
    session.commit()


def is_downloadable(export: DataExport, now: datetime | None = None) -> bool:
    return (export.status == "done" and export.storage_key is not None and export.expires_at is not None
            and export.expires_at > (now or utcnow()))


def _link_refused() -> NotFound:
    return NotFound(gettext("This download link is not valid or has expired; request a new export."),
                    code="export_link_invalid")


def open_download(tenant: Tenant, token: str, authority: Authority) -> tuple[DataExport, BinaryIO]:
    """The zip a signed link names, opened for reading, and the download audited. A forged link,
    another tenant's, one older than 24 h, or one for an export that has expired: 404."""
    export_id = verify_download(tenant.id, token or "")
    if not allows(authority, PERMISSION, tenant):
        raise PermissionDenied(gettext("Your role does not allow this."), details={"permission": PERMISSION})
    try:
        export = get_export(tenant, export_id)
    except NotFound:
        raise _link_refused() from None
    if not is_downloadable(export):
        raise _link_refused()
    try:
        stream = storage.open_file(tenant.id, AREA, export.storage_key)
    except FileNotFoundError:
        raise _link_refused() from None
    with unit_of_work():
        record("export.downloaded", authority, tenant_id=tenant.id, target_type="export", target_id=export.id,
               details={"size_bytes": export.size_bytes})
    return export, stream


def expire(now: datetime | None = None) -> int:
    """Remove the zips of exports past their expiry (status `expired`) and fail builds gone silent
    (`STALE_AFTER`). Returns how many exports changed. Safe to run twice."""
    now = now or utcnow()
    changed = 0
    with unit_of_work() as session:
        for export in session.scalars(select(DataExport).where(DataExport.status == "done",
                                                               DataExport.expires_at <= now)):
            if export.storage_key:
                storage.delete(export.tenant_id, AREA, export.storage_key)
            export.status, export.storage_key, export.updated_at = "expired", None, now
            changed += 1
        for export in session.scalars(select(DataExport).where(DataExport.status.in_(EXPORT_ACTIVE_STATUSES),
                                                               DataExport.updated_at <= now - STALE_AFTER)):
            export.status, export.error = "failed", "The export stopped without finishing."
            export.finished_at = export.updated_at = now
            changed += 1
    return changed


def _serializer():
    from flask import current_app
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_LINK_SALT)


def sign_download(tenant_id: str, export_id: int) -> str:
    """A download token for one export of one tenant, signed with the app secret."""
    return _serializer().dumps({"t": tenant_id, "e": export_id})


def verify_download(tenant_id: str, token: str) -> int:
    """The export id a download token names, if it is this tenant's and younger than 24 h;
    otherwise `NotFound` (an expired or forged link tells nothing about what exists)."""
    from itsdangerous import BadSignature

    try:
        data = _serializer().loads(token, max_age=LINK_TTL_SECONDS)
    except BadSignature:
        raise _link_refused() from None
    if not isinstance(data, dict) or data.get("t") != tenant_id or not isinstance(data.get("e"), int):
        raise _link_refused()
    return data["e"]
