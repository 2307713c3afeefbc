"""Tenants (customer organisations), their settings and their custom quota overrides."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.plan import Plan
    from app.models.user import User

TENANT_STATUSES = ("trial", "active", "suspended", "expired", "deleted")
ISOLATION_STRATEGIES = ("row", "schema", "database")


def new_tenant_id() -> str:
    """An opaque id that says nothing about order or count (unlike an integer)."""
    return "tnt_" + secrets.token_hex(8)


class Tenant(db.Model):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint(f"status IN {TENANT_STATUSES!r}", name="status_valid"),
        CheckConstraint(f"isolation_strategy IN {ISOLATION_STRATEGIES!r}", name="isolation_valid"),
        Index("ix_tenants_status_plan", "status", "plan_code"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_tenant_id)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="trial")
    plan_code: Mapped[str] = mapped_column(ForeignKey("plans.code"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_reason: Mapped[str | None] = mapped_column(Text)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The status before a soft delete, so a restore within the grace period puts it back.
    status_before_delete: Mapped[str | None] = mapped_column(String(16))
    isolation_strategy: Mapped[str] = mapped_column(String(16), default="row")
    # Maintained by the workspace when documents are stored or deleted.
    storage_used_bytes: Mapped[int] = mapped_column(BigInteger, default=0)

    plan: Mapped[Plan] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    config: Mapped[TenantConfig] = relationship(
        back_populates="tenant", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )
    quota_overrides: Mapped[list[TenantQuota]] = relationship(cascade="all, delete-orphan")

    @property
    def is_deleted(self) -> bool:
        return self.status == "deleted"

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class TenantConfig(db.Model):
    """Per-tenant settings; validated by `services.tenants.update_settings`."""

    __tablename__ = "tenant_configs"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(16), default="en")
    brand_color: Mapped[str] = mapped_column(String(7), default="#4f46e5")
    feature_flags: Mapped[dict] = mapped_column(JSON, default=dict)
    # "Require SSO": password sign-in and password reset refuse this tenant's members.
    require_sso: Mapped[bool] = mapped_column(Boolean, default=False)
    # Owners' break-glass while SSO is required: SHA-256 of a one-time recovery code.
    sso_recovery_code_hash: Mapped[str | None] = mapped_column(String(64))

    tenant: Mapped[Tenant] = relationship(back_populates="config")


class TenantQuota(db.Model):
    """A per-tenant override of one plan limit; `limit_value` None means unlimited."""

    __tablename__ = "tenant_quotas"
    __table_args__ = (UniqueConstraint("tenant_id", "resource", name="uq_tenant_quotas_tenant_resource"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(String(32))
    limit_value: Mapped[int | None] = mapped_column(BigInteger)
