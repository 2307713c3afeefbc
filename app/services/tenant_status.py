"""May this tenant be used now? The one answer, for the guard, invitations and tenant lists.

    effective_status(tenant, now)            the status the rules apply to (a trial past its end is expired)
    refusal(tenant, writing=..., now=...)    the error a caller meets, or None when the tenant is usable
    ensure_usable(tenant, writing=...)       raise that error

Refusals: deleted -> 404 `tenant_not_found` (a deleted tenant is gone for its users), suspended ->
403 `tenant_suspended` with the reason, expired -> 402 `tenant_expired`. `writing` is where a state
that allows reading but refuses every write (billing's `read_only`) is decided, in one place.
"""

from __future__ import annotations

from datetime import datetime

from app.models import Tenant
from app.models.enums import TenantStatus
from app.models.types import utcnow
from app.services.errors import DomainError, TenantExpired, TenantNotFound, TenantSuspended


def effective_status(tenant: Tenant, now: datetime | None = None) -> TenantStatus:
    """The status rules apply to: a trial whose end has passed counts as expired."""
    status = TenantStatus(tenant.status)
    if status == TenantStatus.TRIAL and tenant.trial_ends_at and tenant.trial_ends_at <= (now or utcnow()):
        return TenantStatus.EXPIRED
    return status


def refusal(tenant: Tenant, *, writing: bool = False, now: datetime | None = None) -> DomainError | None:
    """Why the tenant's users cannot use it now, as the error to raise; None when they can."""
    status = effective_status(tenant, now)
    if status == TenantStatus.DELETED:
        return TenantNotFound("Tenant not found.")
    if status == TenantStatus.SUSPENDED:
        reason = (tenant.suspended_reason or "no reason given").rstrip(". ")
        return TenantSuspended(f"{tenant.name} is suspended: {reason}. Contact support to restore access.",
                               details={"reason": tenant.suspended_reason})
    if status == TenantStatus.EXPIRED:
        return TenantExpired(f"The subscription of {tenant.name} has expired. Choose a plan to continue.")
    return None


def ensure_usable(tenant: Tenant, *, writing: bool = False, now: datetime | None = None) -> None:
    """Raise the refusal of `refusal()`, if any."""
    error = refusal(tenant, writing=writing, now=now)
    if error is not None:
        raise error


def takes_new_members(tenant: Tenant, now: datetime | None = None) -> bool:
    """Whether an invitation to this tenant can be redeemed: it is usable, or merely expired
    (someone joining may be the person who chooses the plan that brings it back)."""
    error = refusal(tenant, now=now)
    return error is None or isinstance(error, TenantExpired)
