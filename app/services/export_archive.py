"""Data export's archive: one zip of an organisation's data, for its owners (`services.exports` runs it).

This module builds the archive. Every part is written from an allow-list of columns, so a secret
(an API key's hash, an invitation's token hash) can never leak into an export by a new column being
added to a model. Tenant-plane data (the knowledge base) is read through `tenant_plane` and the
storage interface, so the same code serves the row, schema and database isolation strategies.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.models import ApiKey, AuditEvent, Role, Tenant, TenantInvitation, TenantRole, TenantUser, User
from app.models.usage import ApiUsageDaily
from app.services import roles as custom_roles
from app.services import storage
from app.services.documents import AREA as DOCUMENTS_AREA
from app.services.permissions import BUILTIN_ROLE_PERMISSIONS, CATALOGUE
from app.workspace.models import Document
from app.workspace.sessions import tenant_plane

Progress = Callable[[int, str], None]

PARTS = ("organisation", "members", "invitations", "roles", "api_keys", "audit_log", "usage", "documents")

_ORGANISATION = ("id", "name", "slug", "status", "plan_code", "created_at", "trial_ends_at", "isolation_strategy",
                 "storage_used_bytes")
_MEMBERS = ("user_id", "email", "name", "role", "custom_roles", "status", "joined_at")
_INVITATIONS = ("id", "email", "role", "status", "created_at", "expires_at", "accepted_at")
# Built-in roles first (`builtin` true, no id), then the tenant's custom roles.
_ROLES = ("id", "key", "name", "builtin", "description", "permissions", "members", "created_at")
_API_KEYS = ("id", "name", "role", "custom_role", "prefix", "created_at", "last_used_at", "revoked_at")  # never key_hash
_AUDIT = ("id", "created_at", "action", "actor_label", "actor_user_id", "impersonator_user_id", "target_type",
          "target_id", "details", "ip")
_USAGE = ("day", "calls", "month_to_date")
_DOCUMENTS = ("id", "title", "filename", "content_type", "size_bytes", "tags", "created_at", "path")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _pick(obj: Any, columns: Iterable[str]) -> dict[str, Any]:
    return {column: _plain(getattr(obj, column, None)) for column in columns}


def _members(tenant: Tenant) -> list[dict]:
    rows = list(db.session.execute(select(TenantUser, User).join(User, User.id == TenantUser.user_id)
                                   .where(TenantUser.tenant_id == tenant.id).order_by(User.email)))
    held = custom_roles.roles_of_members(tenant, [user.id for _membership, user in rows])
    return [{"user_id": user.id, "email": user.email, "name": user.name, "role": membership.role,
             "custom_roles": [role.key for role in held[user.id]], "status": membership.status,
             "joined_at": _plain(membership.joined_at)}
            for membership, user in rows]


def _in_catalogue_order(names) -> list[str]:
    wanted = set(names)
    return [p.name for p in CATALOGUE if p.name in wanted]


def _roles(tenant: Tenant) -> list[dict]:
    """The four built-in roles with their permissions, then each custom role with its holders' count."""
    builtin = [{"id": None, "key": role.value, "name": role.value.capitalize(), "builtin": True, "description": "",
                "permissions": _in_catalogue_order(BUILTIN_ROLE_PERMISSIONS[role]), "members": None,
                "created_at": None} for role in Role]
    custom = [{"id": role.id, "key": role.key, "name": role.name, "builtin": False, "description": role.description,
               "permissions": _in_catalogue_order(role.permissions or ()), "members": holders,
               "created_at": _plain(role.created_at)} for role, holders in custom_roles.list_roles(tenant)]
    return builtin + custom


def _api_keys(tenant: Tenant) -> list[dict]:
    rows = db.session.execute(select(ApiKey, TenantRole.key).outerjoin(TenantRole, TenantRole.id == ApiKey.custom_role_id)
                              .where(ApiKey.tenant_id == tenant.id).order_by(ApiKey.id))
    return [{**_pick(key, _API_KEYS), "custom_role": role_key} for key, role_key in rows]


def _rows(stmt, columns: tuple[str, ...]) -> list[dict]:
    return [_pick(obj, columns) for obj in db.session.scalars(stmt)]


def _safe_name(document: Document) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", document.filename or document.title or "document").strip("._") or "document"
    return f"documents/{document.id}-{stem[:80]}"


def _write_part(archive: zipfile.ZipFile, name: str, columns: tuple[str, ...], rows: list[dict] | dict) -> None:
    """`name.json` and `name.csv` (nested values JSON-encoded in their cell)."""
    archive.writestr(f"{name}.json", json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    listed = [rows] if isinstance(rows, dict) else rows
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in listed:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                         for k, v in row.items()})
    archive.writestr(f"{name}.csv", out.getvalue())


def build_archive(tenant: Tenant, progress: Progress | None = None) -> bytes:
    """The organisation's export as zip bytes: JSON and CSV per part, and each knowledge-base
    document as a file under `documents/`. `progress(percent, part)` is told as parts finish."""
    report = progress or (lambda _percent, _part: None)
    buffer = io.BytesIO()
    steps = len(PARTS)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        parts: list[tuple[str, tuple[str, ...], Callable[[], list[dict] | dict]]] = [
            ("organisation", _ORGANISATION, lambda: _pick(tenant, _ORGANISATION)),
            ("members", _MEMBERS, lambda: _members(tenant)),
            ("invitations", _INVITATIONS, lambda: _rows(
                select(TenantInvitation).where(TenantInvitation.tenant_id == tenant.id)
                .order_by(TenantInvitation.id), _INVITATIONS)),
            ("roles", _ROLES, lambda: _roles(tenant)),
            ("api_keys", _API_KEYS, lambda: _api_keys(tenant)),
            ("audit_log", _AUDIT, lambda: _rows(
                select(AuditEvent).where(AuditEvent.tenant_id == tenant.id).order_by(AuditEvent.id), _AUDIT)),
            ("usage", _USAGE, lambda: _rows(
                select(ApiUsageDaily).where(ApiUsageDaily.tenant_id == tenant.id).order_by(ApiUsageDaily.day),
                _USAGE)),
        ]
        for done, (name, columns, read) in enumerate(parts, start=1):
            _write_part(archive, name, columns, read())
            report(round(100 * done / steps), name)
        with tenant_plane(tenant) as ws:
            documents = list(ws.scalars(select(Document).order_by(Document.created_at, Document.id)))
        listed = []
        for document in documents:
            path = _safe_name(document)
            try:
                archive.writestr(path, storage.read(tenant.id, DOCUMENTS_AREA, document.storage_key))
            except FileNotFoundError:
                continue  # listed in the plane but its file is gone: nothing to export
            listed.append({**_pick(document, _DOCUMENTS), "path": path})
        _write_part(archive, "documents", _DOCUMENTS, listed)
        report(100, "documents")
    return buffer.getvalue()
