"""Membership of a user in a tenant, with a role."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import counters
from app.models.enums import MEMBERSHIP_STATUSES, ROLES, MembershipStatus
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.tenant import Tenant
    from app.models.user import User



class TenantUser(db.Model):
    __tablename__ = "tenant_users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_id", name="uq_tenant_users_tenant_user"),
        CheckConstraint(f"role IN {ROLES!r}", name="role_valid"),
        CheckConstraint(f"status IN {MEMBERSHIP_STATUSES!r}", name="status_valid"),
        Index("ix_tenant_users_tenant_role", "tenant_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=MembershipStatus.ACTIVE.value)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tenant: Mapped[Tenant] = relationship()
    user: Mapped[User] = relationship(lazy="joined")


counters.attach(TenantUser.__table__)
