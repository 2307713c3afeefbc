"""Tenants (customer organisations), their settings and their custom quota overrides."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import trigram
from app.models.enums import ISOLATION_STRATEGIES, TENANT_STATUSES, TenantStatus
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.plan import Plan
    from app.models.user import User

# `api_calls_month_start` of a tenant that has made no API call: a month before any usage.
NO_USAGE_MONTH = date(2000, 1, 1)


def new_tenant_id() -> str:
    """An opaque id that says nothing about order or count (unlike an integer)."""
    return "tnt_" + secrets.token_hex(8)


class Tenant(db.Model):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint(f"status IN {TENANT_STATUSES!r}", name="status_valid"),
        CheckConstraint(f"isolation_strategy IN {ISOLATION_STRATEGIES!r}", name="isolation_valid"),
        Index("ix_tenants_status_plan", "status", "plan_code"),
        # The tenant table's sorts read these in order and stop after a page (app/services/fleet.py).
        Index("ix_tenants_member_count", "member_count", "id"),
        Index("ix_tenants_api_calls", "api_calls_month_start", "api_calls_month", "id"),
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
    # Counters kept on write, so the fleet's pages read a column instead of counting (app/models/counters.py):
    # active memberships (database triggers), and the API calls of the month starting `api_calls_month_start`
    # (written with the usage rows by services/usage.py; another month's figure means none this month).
    member_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    api_calls_month: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    api_calls_month_start: Mapped[date] = mapped_column(Date, default=NO_USAGE_MONTH,
                                                        server_default=NO_USAGE_MONTH.isoformat())

    plan: Mapped[Plan] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    config: Mapped[TenantConfig] = relationship(
        back_populates="tenant", uselist=False, cascade="all, delete-orphan", lazy="joined"
    )
    quota_overrides: Mapped[list[TenantQuota]] = relationship(cascade="all, delete-orphan")

    @property
    def is_deleted(self) -> bool:
        return self.status == TenantStatus.DELETED

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


# Sorting by name reads this index in order (a page deep into 10,000 tenants walks it, never sorts them all).
Index("ix_tenants_name_lower", func.lower(Tenant.name), Tenant.id)
trigram.attach(Tenant.__table__)


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
    # "Require two-factor": members reach the tenant only from a session that passed a second factor.
    require_2fa: Mapped[bool] = mapped_column(Boolean, default=False)

    tenant: Mapped[Tenant] = relationship(back_populates="config")


class TenantQuota(db.Model):
    """A per-tenant override of one plan limit; `limit_value` None means unlimited."""

    __tablename__ = "tenant_quotas"
    __table_args__ = (UniqueConstraint("tenant_id", "resource", name="uq_tenant_quotas_tenant_resource"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(String(32))
    limit_value: Mapped[int | None] = mapped_column(BigInteger)


class TenantSlugRedirect(db.Model):
    """An address a tenant gave up: its old slug keeps leading to it (and stays reserved for it) until
    `expires_at`, so bookmarks and links in old emails keep working after a rename."""

    __tablename__ = "tenant_slug_redirects"

    old_slug: Mapped[str] = mapped_column(String(63), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
