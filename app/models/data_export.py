"""Data exports: one row per zip an owner asked for, from the request to its expiry (issue 17)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

# queued -> running -> done (downloadable until expires_at) -> expired (file removed); or failed.
EXPORT_STATUSES = ("queued", "running", "done", "failed", "expired")
# An export in one of these holds the tenant's one place in the queue: a second request is a 409.
EXPORT_ACTIVE_STATUSES = ("queued", "running")


class DataExport(db.Model):
    __tablename__ = "data_exports"
    __table_args__ = (
        CheckConstraint(f"status IN {EXPORT_STATUSES!r}", name="status_valid"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        Index("ix_data_exports_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who asked, as the audit trail names them (an API key has no user).
    requested_by_label: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)
    # The part being written (`services.exports.PARTS`), for the progress bar's words.
    step: Mapped[str] = mapped_column(String(32), default="")
    # The zip in tenant storage (`services.storage`, area `exports`), once built.
    storage_key: Mapped[str | None] = mapped_column(String(128))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last word from the job building it: a queued or running export silent for long is taken as lost.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
