"""Custom roles: a tenant's own named sets of permissions, and which members hold them (issue 17).

The four built-in roles stay in `tenant_users.role` (one per member, `owner` among them, so the
last-owner rules keep reading one column); a custom role is held beside it, and a member's
permissions are the union of their built-in role's and their custom roles'.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, ForeignKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class TenantRole(db.Model):
    __tablename__ = "tenant_roles"
    __table_args__ = (
        UniqueConstraint("tenant_id", "key", name="uq_tenant_roles_tenant_key"),
        UniqueConstraint("tenant_id", "name", name="uq_tenant_roles_tenant_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    # A stable, URL-safe name made from the first name (`billing-clerk`): what the API assigns by.
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500), default="")
    # Permission names of the catalogue (`services.permissions.CATALOGUE`), sorted.
    permissions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TenantUserRole(db.Model):
    """A member holding a custom role. It goes with the membership (composite key to tenant_users);
    a role someone holds cannot be deleted (RESTRICT): the service asks to reassign first."""

    __tablename__ = "tenant_user_roles"
    __table_args__ = (
        UniqueConstraint("role_id", "user_id", name="uq_tenant_user_roles_role_user"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["tenant_users.tenant_id", "tenant_users.user_id"],
                             ondelete="CASCADE", name="fk_tenant_user_roles_membership"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    user_id: Mapped[int] = mapped_column()
    role_id: Mapped[int] = mapped_column(ForeignKey("tenant_roles.id", ondelete="RESTRICT"), index=True)
