"""Directory sync (SCIM 2.0): a tenant's SCIM tokens and the users and groups its identity provider provisions.

A `ScimUser` is what one tenant's directory says about one account: the account (`users`) is shared
by every tenant that provisions the same email, the membership (`tenant_users`) exists while the
SCIM user is active, and the SCIM document itself (`attributes`) is this tenant's alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow
from app.models.user import User


class ScimToken(db.Model):
    """A bearer token an identity provider uses for one tenant's SCIM endpoint; stored as a hash."""

    __tablename__ = "scim_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The first characters of the secret, shown in lists so a token can be recognised.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the secret: tokens are 256-bit random strings, so a fast hash is safe and lookups are O(1).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ScimUser(db.Model):
    __tablename__ = "scim_users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "user_name_key", name="uq_scim_users_tenant_user_name"),
        UniqueConstraint("tenant_id", "user_id", name="uq_scim_users_tenant_user"),
        Index("ix_scim_users_tenant_external_id", "tenant_id", "external_id"),
    )

    # The SCIM id: random, so it says nothing about the account or the other tenants.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user_name: Mapped[str] = mapped_column(String(254))
    # userName is case-insensitive and unique per tenant (RFC 7643 §4.1.1).
    user_name_key: Mapped[str] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The resource as the client wrote it (without id/meta), returned as it was stored.
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(lazy="joined")


class ScimGroup(db.Model):
    __tablename__ = "scim_groups"
    __table_args__ = (
        UniqueConstraint("tenant_id", "display_name_key", name="uq_scim_groups_tenant_display_name"),
        Index("ix_scim_groups_tenant_external_id", "tenant_id", "external_id"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(254))
    display_name_key: Mapped[str] = mapped_column(String(254))
    external_id: Mapped[str | None] = mapped_column(String(254))
    # The tenant role this group's members get (set by an owner in the portal); None: no effect on roles.
    role: Mapped[str | None] = mapped_column(String(16))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScimGroupMember(db.Model):
    __tablename__ = "scim_group_members"

    group_id: Mapped[str] = mapped_column(ForeignKey("scim_groups.id", ondelete="CASCADE"), primary_key=True)
    scim_user_id: Mapped[str] = mapped_column(ForeignKey("scim_users.id", ondelete="CASCADE"), primary_key=True,
                                              index=True)
