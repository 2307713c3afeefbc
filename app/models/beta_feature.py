"""Beta features per tenant (issue 17): a platform admin allows a beta of the catalogue
(`BETA_FEATURES` in the configuration), the tenant then switches it on or off.

One row per tenant and beta key, created the first time either side touches it; a tenant without a
row has the beta neither allowed nor enabled. `enabled` is only ever true while `allowed` is:
disallowing switches it off in the same change (`services.beta_features.allow`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class TenantBetaFeature(db.Model):
    __tablename__ = "tenant_beta_features"
    __table_args__ = (UniqueConstraint("tenant_id", "key", name="uq_tenant_beta_features_tenant_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    allowed: Mapped[bool] = mapped_column(Boolean, default=False)  # by a platform admin
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)  # by the tenant, while allowed
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Who changed it last, as the audit trail names them (an email, a key's name, "cli", "system").
    changed_by: Mapped[str] = mapped_column(String(254))
