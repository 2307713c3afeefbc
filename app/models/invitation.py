"""Invitations to join a tenant, redeemed through an emailed single-use link."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.enums import INVITATION_STATUSES, ROLES
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.tenant import Tenant
    from app.models.user import User



class TenantInvitation(db.Model):
    __tablename__ = "tenant_invitations"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_valid"),
        CheckConstraint(f"status IN {INVITATION_STATUSES!r}", name="status_valid"),
        # At most one pending invitation per (tenant, email); old accepted/revoked ones stay as history.
        Index(
            "uq_tenant_invitations_pending_email",
            "tenant_id",
            "email",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the emailed token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_count: Mapped[int] = mapped_column(Integer, default=1)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tenant: Mapped[Tenant] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) >= self.expires_at
