"""Support access: a platform admin's time-limited access to one tenant, approved by its owners (issue 17).

A grant is asked for by an admin (`requested`) and answered by an owner (`approved` / `denied`), or
made by an owner without asking (a standing grant), or taken in an emergency (`break_glass`,
approved at once, owners told). An approved grant is usable until `expires_at`, or until an owner
revokes it. User ids are plain columns with a readable label beside them, as in the audit trail:
the history must survive an admin's or owner's account being deleted.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class SupportAccessStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DENIED = "denied"
    REVOKED = "revoked"
    EXPIRED = "expired"


class SupportAccessLevel(StrEnum):
    READ_ONLY = "read_only"  # every write refused (the guard's one place: `tenancy.guard.check_status`)
    FULL = "full"  # as the owner


SUPPORT_ACCESS_STATUSES = tuple(s.value for s in SupportAccessStatus)
SUPPORT_ACCESS_LEVELS = tuple(level.value for level in SupportAccessLevel)


class SupportAccessGrant(db.Model):
    __tablename__ = "support_access_grants"
    __table_args__ = (Index("ix_support_access_grants_tenant_status", "tenant_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    # The admin the grant is for; None: any platform admin (a standing grant an owner made for "support").
    admin_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    admin_label: Mapped[str] = mapped_column(String(254), default="")
    reason: Mapped[str] = mapped_column(String(500))
    level: Mapped[str] = mapped_column(String(16), default=SupportAccessLevel.READ_ONLY)
    status: Mapped[str] = mapped_column(String(16), default=SupportAccessStatus.REQUESTED)
    # How long the access lasts once approved (requests: at most 24 h).
    duration_minutes: Mapped[int] = mapped_column(Integer)
    standing: Mapped[bool] = mapped_column(Boolean, default=False)
    break_glass: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_label: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(Integer)
    decided_by_label: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_label: Mapped[str | None] = mapped_column(String(254))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tenant = relationship("Tenant", lazy="joined")
