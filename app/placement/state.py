"""Where each tenant's own schema or database stands: its tenant-plane revision (control plane).

`flask tenants migrate` reads it to skip tenants already at head (resumable, idempotent) and
writes it after each tenant's own transaction, with the error of a tenant that failed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class TenantPlaneState(db.Model):
    __tablename__ = "tenant_plane_states"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    revision: Mapped[str | None] = mapped_column(String(32))
    migrated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
