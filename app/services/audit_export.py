"""The audit log as CSV: the platform's fleet-wide export and a tenant's own (a plan entitlement)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace

from app.extensions import db
from app.models import Tenant
from app.services import audit, entitlements

CSV_COLUMNS = ("created_at", "tenant_id", "actor", "impersonator_user_id", "action", "target_type", "target_id",
               "ip", "details")
EXPORT_BATCH = 500


def safe_cell(value) -> str:
    """Defuse spreadsheet formulas: a cell starting with = + - @ is prefixed with a quote."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_rows(flt: audit.AuditFilter) -> Iterator[str]:
    """The export, one CSV line at a time, read from the database in batches (server-side cursor on
    PostgreSQL), so memory stays flat however many events match."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    result = db.session.execute(audit.filtered_query(flt).execution_options(yield_per=EXPORT_BATCH))
    for event in result.scalars():
        yield line((event.created_at.isoformat(), event.tenant_id or "", event.actor_label,
                    event.impersonator_user_id or "", event.action, event.target_type or "",
                    event.target_id or "", event.ip or "", json.dumps(event.details or {}, sort_keys=True)))


def tenant_csv(tenant: Tenant, flt: audit.AuditFilter) -> Iterator[str]:
    """The tenant's own audit log as CSV lines (`flt` is narrowed to the tenant whatever it names).

    Exporting is the `audit_export` entitlement (Basic and up): refused before the first line."""
    entitlements.require_feature(tenant, "audit_export")
    return csv_rows(replace(flt, tenant_id=tenant.id))
