"""May this tenant be used now? The one answer, for the guard, invitations and tenant lists.

    effective_status(tenant, now)            the status the rules apply to (a trial past its end is expired)
    refusal(tenant, writing=..., now=...)    the error a caller meets, or None when the tenant is usable
    ensure_usable(tenant, writing=...)       raise that error

Refusals: deleted -> 404 `tenant_not_found` (a deleted tenant is gone for its users), suspended ->
403 `tenant_suspended` with the reason, expired -> 402 `tenant_expired`. `writing` is where a state
that allows reading but refuses every write (billing's `read_only`: 403 `tenant_read_only`) is
decided, in one place. Billing's lifecycle (docs/billing.md): `past_due` is usable; `read_only`
refuses writes; `pending_deletion` refuses everything (403 `tenant_pending_deletion`). `billing`
is a request to billing's own pages, which stay open through all of it (and through a suspension
for non-payment) so that the owner can always pay.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Subscription, Tenant
from app.models.enums import TenantStatus
from app.models.types import utcnow
from app.services.errors import (
    DomainError,
    TenantExpired,
    TenantNotFound,
    TenantPendingDeletion,
    TenantReadOnly,
    TenantSuspended,
)

# States billing put the tenant in for non-payment; its billing pages stay open in each.
UNPAID_STATUSES = frozenset({TenantStatus.PAST_DUE, TenantStatus.READ_ONLY, TenantStatus.PENDING_DELETION})


def effective_status(tenant: Tenant, now: datetime | None = None) -> TenantStatus:
    """The status rules apply to: a trial whose end has passed counts as expired."""
    status = TenantStatus(tenant.status)
    if status == TenantStatus.TRIAL and tenant.trial_ends_at and tenant.trial_ends_at <= (now or utcnow()):
        return TenantStatus.EXPIRED
    return status


def suspended_for_non_payment(tenant: Tenant) -> bool:
    """A suspension billing made (the tenant has unpaid invoices past due), not a platform admin's."""
    since = db.session.scalar(select(Subscription.past_due_since).where(Subscription.tenant_id == tenant.id))
    return since is not None


def refusal(tenant: Tenant, *, writing: bool = False, now: datetime | None = None,
            billing: bool = False, choosing_plan: bool = False) -> DomainError | None:
    """Why the tenant's users cannot use it now, as the error to raise; None when they can.

    `choosing_plan`: the plan picker, which an expired tenant is sent to (choosing a plan revives it).
    """
    status = effective_status(tenant, now)
    if status == TenantStatus.DELETED:
        return TenantNotFound(gettext("Tenant not found."))
    if billing and (status in UNPAID_STATUSES or
                    (status == TenantStatus.SUSPENDED and suspended_for_non_payment(tenant))):
        return None
    if status == TenantStatus.READ_ONLY:
        if not writing:
            return None
        return TenantReadOnly(gettext("%(tenant)s is read-only because its invoices are unpaid. The owner can pay on the Billing page to restore it.", tenant=tenant.name),
                              details={"billing_path": f"/t/{tenant.slug}/billing"})
    if status == TenantStatus.PENDING_DELETION:
        return TenantPendingDeletion(gettext("%(tenant)s is scheduled for deletion because its invoices are unpaid. The owner can pay on the Billing page to keep it.", tenant=tenant.name),
                                     details={"billing_path": f"/t/{tenant.slug}/billing"})
    if status == TenantStatus.SUSPENDED:
        reason = (tenant.suspended_reason or "no reason given").rstrip(". ")
        return TenantSuspended(gettext("%(tenant)s is suspended: %(reason)s. Contact support to restore access.", tenant=tenant.name, reason=reason),
                               details={"reason": tenant.suspended_reason})
    if status == TenantStatus.EXPIRED and not choosing_plan:
        return TenantExpired(gettext("The subscription of %(tenant)s has expired. Choose a plan to continue.", tenant=tenant.name),
                             details={"plan_path": f"/t/{tenant.slug}/plan"})
    return None


def ensure_usable(tenant: Tenant, *, writing: bool = False, now: datetime | None = None,
                  billing: bool = False, choosing_plan: bool = False) -> None:
    """Raise the refusal of `refusal()`, if any."""
    error = refusal(tenant, writing=writing, now=now, billing=billing, choosing_plan=choosing_plan)
    if error is not None:
        raise error


def takes_new_members(tenant: Tenant, now: datetime | None = None) -> bool:
    """Whether an invitation to this tenant can be redeemed: it is usable, or merely expired
    (someone joining may be the person who chooses the plan that brings it back)."""
    error = refusal(tenant, now=now)
    return error is None or isinstance(error, TenantExpired)
