"""Platform admins viewing the portal as a tenant's owner ("View as owner").

The rules live here; the browser session (who is signed in, since when) is the web layer's. While
an admin impersonates, every action is audited with the owner as actor and the admin as
`impersonator_user_id` (see `tenancy.principal`), and the start and end are events in the
tenant's own audit log, so its owner can see when and by whom the tenant was viewed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext

from app.models import Tenant, User
from app.models.types import utcnow
from app.services.audit import Actor, record
from app.services.errors import PermissionDenied, ValidationError
from app.services.transaction import unit_of_work

END_REASONS = ("returned", "expired", "logout", "revoked")
REASON_MAX_LENGTH = 500


def check(tenant: Tenant, admin: User) -> User:
    """The owner `admin` would view `tenant` as, or the refusal `start` would raise (break-glass
    asks first, so no emergency grant is taken for a visit that cannot happen)."""
    if not admin.is_platform_admin or admin.is_disabled:
        raise PermissionDenied(gettext("Only platform admins can view a tenant as its owner."))
    if tenant.is_deleted:
        raise ValidationError(gettext("A deleted tenant cannot be viewed as its owner; restore it first."),
                              field="impersonate")
    owner = tenant.owner
    if owner is None:
        raise ValidationError(gettext("This tenant has no owner to view as."), field="impersonate")
    if owner.id == admin.id:
        raise ValidationError(gettext("You own this tenant; open it directly."), field="impersonate")
    if owner.is_platform_admin:
        raise PermissionDenied(gettext("The owner is a platform admin; admins cannot impersonate each other."),
                               field="impersonate", code="impersonation_refused")
    if owner.is_disabled:
        raise ValidationError(gettext("The owner's account is disabled."), field="impersonate")
    return owner


def start(tenant: Tenant, admin: User, reason: str, ip: str | None = None, grant=None) -> User:
    """Check that `admin` may view `tenant` as its owner, audit it with the admin's `reason`, and
    return the owner to sign in as.

    Refused: a caller who is not a platform admin, no reason given, a deleted tenant, a tenant
    without an owner, a disabled owner, and an owner who is a platform admin (an admin never takes
    over another admin's account, even through a tenant they own).

    `grant`: a support-access grant (`services.support_access`) the owners approved; it must be
    usable now, for this tenant and this admin, and its reason and level are the visit's.
    """
    owner = check(tenant, admin)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError(gettext("Say why you are viewing this tenant as its owner (for example, the support ticket); it is kept in the tenant's audit log."), field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(gettext("Keep the reason under %(reason_max_length)s characters.", reason_max_length=REASON_MAX_LENGTH), field="reason")
    details = {"admin": admin.email, "owner": owner.email, "tenant": tenant.slug, "reason": reason}
    if grant is not None:
        from app.services import support_access

        if (grant.tenant_id != tenant.id or grant.admin_user_id not in (None, admin.id)
                or not support_access.is_usable(grant)):
            raise PermissionDenied(gettext("This support access is not yours to use, or it has ended."),
                                   field="impersonate", code="support_access_unusable")
        details.update(grant=grant.id, level=grant.level, break_glass=grant.break_glass)
    with unit_of_work():
        record("impersonation.started", Actor.for_user(admin, ip=ip), tenant_id=tenant.id,
               target_type="user", target_id=owner.id, details=details)
    return owner


def end(admin_id: int, owner: User | None, tenant_id: str | None, reason: str, *,
        admin_label: str | None = None, started_at: datetime | None = None, ip: str | None = None) -> None:
    """Audit the end of an impersonation (`reason`: returned, expired or logout)."""
    if reason not in END_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    details: dict = {"reason": reason, "owner": owner.email if owner else None}
    if started_at is not None:
        details["minutes"] = round((utcnow() - started_at).total_seconds() / 60, 1)
    actor = Actor(user_id=admin_id, label=admin_label or f"user:{admin_id}", is_platform_admin=True, ip=ip)
    with unit_of_work():
        record("impersonation.ended", actor, tenant_id=tenant_id, target_type="user",
               target_id=owner.id if owner else None, details=details)


def has_expired(started_at: datetime | None, max_minutes: int, now: datetime | None = None) -> bool:
    """Whether an impersonation begun at `started_at` has outlived `max_minutes` (no start: expired)."""
    if started_at is None:
        return True
    return (now or utcnow()) >= started_at + timedelta(minutes=max_minutes)
