"""Changes that time makes: trials run out, invitations lapse. Run by scheduled jobs (app/jobs/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Tenant, TenantInvitation, utcnow
from app.services.audit import Actor, record
from app.services.transaction import unit_of_work


def expire_trials(actor: Actor, now: datetime | None = None) -> list[str]:
    """Mark every trial whose end has passed as expired (audited); return their slugs.

    Access rules already treat such a trial as expired (`tenants.effective_status`); this makes
    the stored status say so too, for lists, filters and billing. Idempotent.
    """
    now = now or utcnow()
    expired = []
    with unit_of_work() as session:
        due = session.scalars(select(Tenant).where(Tenant.status == "trial", Tenant.trial_ends_at <= now)
                              .order_by(Tenant.id).with_for_update(of=Tenant, skip_locked=True))
        for tenant in due:
            tenant.status = "expired"
            record("tenant.trial_expired", actor, tenant_id=tenant.id, target_type="tenant", target_id=tenant.id,
                   details={"trial_ended_at": tenant.trial_ends_at.isoformat()})
            expired.append(tenant.slug)
    return expired


def expire_invitations(now: datetime | None = None) -> int:
    """Mark pending invitations past their expiry as expired (their seats were free already)."""
    now = now or utcnow()
    with unit_of_work() as session:
        due = list(session.scalars(select(TenantInvitation).where(TenantInvitation.status == "pending",
                                                                  TenantInvitation.expires_at <= now)))
        for invitation in due:
            invitation.status = "expired"
    return len(due)


def pending_invitation_count() -> int:
    """How many invitations are pending (for tests and the operations page)."""
    return len(list(db.session.scalars(select(TenantInvitation.id).where(TenantInvitation.status == "pending"))))
