"""API keys: a platform key can do everything, a tenant key acts in one tenant with one role."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.role import TenantRole
    from app.models.user import User


class ApiKey(db.Model):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a platform key.
    tenant_id: Mapped[str | None] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    # A custom role whose permissions the key holds beside `role`'s (issue 17); a role a key holds
    # is not deleted (RESTRICT, and `services.roles.delete_role` says so first).
    custom_role_id: Mapped[int | None] = mapped_column(ForeignKey("tenant_roles.id", ondelete="RESTRICT"))
    # The first characters of the secret, shown in lists so a key can be recognised.
    prefix: Mapped[str] = mapped_column(String(16))
    # SHA-256 of the secret: keys are long random strings, so a fast hash is safe and lookups are O(1).
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The person whose access the key hangs on (its creator, until an owner re-owns it): the key works
    # only while they are enabled and, for a tenant key, a member of its tenant (a platform key: a
    # platform admin). None: made by the CLI or a job, answering to the operator.
    owned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    owned_by: Mapped[User | None] = relationship(foreign_keys=[owned_by_id])
    custom_role: Mapped[TenantRole | None] = relationship(foreign_keys=[custom_role_id])
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After this instant the key is refused (401 api_key_expired); None: it never expires.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_platform(self) -> bool:
        return self.tenant_id is None

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or utcnow())
