"""Per-tenant feature-flag overrides set by platform admins (issue 17).

One row per tenant and flag key. An override with `expires_at` stops applying at that instant
(evaluated against the caller's clock, so nothing has to delete it on time); it stays in the table
for the admin page to show as expired until it is cleared or set again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class TenantFlagOverride(db.Model):
    __tablename__ = "tenant_flag_overrides"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_tenant_flag_overrides_tenant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(Boolean)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who set it, as the audit trail names them (an email, "cli", "system", "migration").
    set_by: Mapped[str] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
