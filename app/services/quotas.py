"""Limits (plan, or a tenant's custom override) and current usage of the three resources."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select

from app.extensions import db
from app.models import RESOURCES, Plan, Tenant, TenantInvitation, TenantQuota, TenantUser
from app.models.types import utcnow
from app.services import usage
from app.services.errors import QuotaExceeded, StorageQuotaExceeded
from app.services.formatting import format_bytes, format_quantity

# 2**53: 8 PiB of storage, and still exact as a JSON number; a BIGINT column holds it with room.
MAX_CUSTOM_LIMIT = 2**53
RESOURCE_LABELS = {"users": "users", "storage": "storage", "api_calls": "API calls this month"}
WARNING_RATIO = 0.8


@dataclass(frozen=True)
class QuotaLine:
    """One meter: how much of a resource is used, of what limit."""

    resource: str
    used: int
    limit: int | None
    # True when the limit is the tenant's own override (a custom deal), not its plan's: the owner is
    # told to ask their account manager, not offered an upgrade.
    custom: bool = False

    @property
    def unlimited(self) -> bool:
        return self.limit is None

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)

    @property
    def percent(self) -> float:
        if not self.limit:
            return 0.0 if self.limit is None else 100.0
        return round(100.0 * self.used / self.limit, 1)

    @property
    def percent_text(self) -> str:
        """The share used as people say it: "20%", "<1%" for a little above nothing, never "20.0%"."""
        if self.limit is None:
            return "0%"
        if 0 < self.percent < 0.5:
            return "<1%"
        return f"{round(self.percent):d}%"

    @property
    def state(self) -> str:
        """`ok`, `warning` from 80%, `danger` at or past 100%."""
        if self.limit is None:
            return "ok"
        if self.used >= self.limit:
            return "danger"
        if self.used >= WARNING_RATIO * self.limit:
            return "warning"
        return "ok"

    @property
    def used_text(self) -> str:
        return format_quantity(self.resource, self.used)

    @property
    def limit_text(self) -> str:
        return format_quantity(self.resource, self.limit)

    def to_dict(self) -> dict:
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining,
                "percent": self.percent, "state": self.state}


def custom_limits(tenant: Tenant) -> dict[str, int | None]:
    """The tenant's overrides: resource -> limit (None = unlimited), for the resources that have one."""
    rows = db.session.execute(
        select(TenantQuota.resource, TenantQuota.limit_value).where(TenantQuota.tenant_id == tenant.id)).all()
    return {resource: value for resource, value in rows if resource in RESOURCES}


def limits_for(tenant: Tenant, plan: Plan | None = None) -> dict[str, int | None]:
    """Each resource's limit on `plan` (default: the tenant's own): the tenant's override where one
    is set, else the plan's.

    Without `plan`, the tenant's current plan, read from the database (populate_existing): called
    under the tenant lock, the limits are the ones committed now, not the ones loaded earlier.
    Overrides belong to the tenant, not to a plan: a custom deal outlives a plan change, so the
    limits a tenant would have on another plan (what a downgrade is judged against) include them.
    """
    if plan is None:
        plan = db.session.get(Plan, tenant.plan_code, populate_existing=True)
    return {**{r: plan.limit_for(r) for r in RESOURCES}, **custom_limits(tenant)}


@dataclass(frozen=True)
class Seats:
    """The one definition of a seat, shown the same on every page: active members plus pending,
    unexpired invitations (an invitation holds a seat until it is accepted, revoked or expires)."""

    members: int
    pending: int

    @property
    def used(self) -> int:
        return self.members + self.pending


def seats_used(tenant_id: str, now: datetime | None = None) -> int:
    """Active members plus pending, unexpired invitations: an invitation holds a seat."""
    return seat_count(tenant_id, now).used


def seat_count(tenant_id: str, now: datetime | None = None) -> Seats:
    """The seats in use, split into members and pending invitations (see `Seats`)."""
    now = now or utcnow()
    members = db.session.scalar(
        select(func.count()).select_from(TenantUser)
        .where(TenantUser.tenant_id == tenant_id, TenantUser.status == "active")
    ) or 0
    pending = db.session.scalar(
        select(func.count()).select_from(TenantInvitation)
        .where(TenantInvitation.tenant_id == tenant_id, TenantInvitation.status == "pending",
               TenantInvitation.expires_at > now)
    ) or 0
    return Seats(members=members, pending=pending)


def usage_for(tenant: Tenant) -> dict[str, int]:
    return {
        "users": seats_used(tenant.id),
        "storage": tenant.storage_used_bytes or 0,
        "api_calls": usage.api_calls_this_month(tenant.id),
    }


def quota_report(tenant: Tenant) -> list[QuotaLine]:
    """The three meters, in display order."""
    limits = limits_for(tenant)
    custom = custom_limits(tenant)
    used = usage_for(tenant)
    return [QuotaLine(r, used[r], limits[r], custom=r in custom) for r in RESOURCES]


def limits_below_usage(tenant: Tenant, limits: dict[str, int | str | None]) -> list[QuotaLine]:
    """The meters that `limits` (as `set_custom_limits` takes them) would put past 100% at once:
    what an admin is warned about before saving a custom limit under today's usage."""
    plan_limits = {r: tenant.plan.limit_for(r) for r in RESOURCES}
    used = usage_for(tenant)
    below = []
    for resource, value in limits.items():
        limit = plan_limits[resource] if value == "plan" else value
        if resource in used and isinstance(limit, int) and used[resource] > limit:
            below.append(QuotaLine(resource, used[resource], limit, custom=value != "plan"))
    return below


def ensure_seats_available(tenant: Tenant, extra: int = 1) -> None:
    """Raise `QuotaExceeded` unless `extra` more users fit. Call with the tenant locked."""
    limit = limits_for(tenant)["users"]
    if limit is None:
        return
    used = seats_used(tenant.id)
    if used + extra > limit:
        if "users" in custom_limits(tenant):
            raise QuotaExceeded(
                gettext("Your custom limit, set by your account manager, allows %(limit)s users and %(used)s are in use (members and pending invitations). Ask your account manager for more.", limit=limit, used=used),
                field="email",
                details={"resource": "users", "limit": limit, "used": used},
            )
        raise QuotaExceeded(
            gettext("The %(plan)s plan allows %(limit)s users and %(used)s are in use (members and pending invitations). Upgrade the plan to add more.", plan=tenant.plan.name, limit=limit, used=used),
            field="email",
            details={"resource": "users", "limit": limit, "used": used},
        )


def ensure_storage_available(tenant: Tenant, extra_bytes: int) -> None:
    """Raise `StorageQuotaExceeded` if storing `extra_bytes` more would pass the limit."""
    limit = limits_for(tenant)["storage"]
    if limit is None:
        return
    used = tenant.storage_used_bytes or 0
    if used + extra_bytes > limit:
        raise StorageQuotaExceeded(
            gettext("This upload needs %(extra_bytes)s but only %(value)s of the %(plan)s plan's %(limit)s is free.", extra_bytes=format_bytes(extra_bytes), value=format_bytes(max(0, limit - used)), plan=tenant.plan.name, limit=format_bytes(limit)),
            field="file",
            details={"resource": "storage", "limit": limit, "used": used, "requested": extra_bytes},
        )


def set_custom_limits(tenant: Tenant, limits: dict[str, int | str | None], actor) -> None:
    """Set or clear per-tenant overrides. A value of "plan" (or a missing key) removes the override."""
    from app.services.audit import record
    from app.services.errors import ValidationError
    from app.services.transaction import lock_tenant, unit_of_work

    with unit_of_work() as session:
        lock_tenant(session, tenant.id)  # serialised with the seat and storage checks that read them
        changes: dict[str, object] = {}
        for resource, value in limits.items():
            if resource not in RESOURCES:
                raise ValidationError(gettext("Unknown resource %(resource)s.", resource=repr(resource)), field=resource)
            if value is not None and value != "plan" and (
                    not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_CUSTOM_LIMIT):
                raise ValidationError(gettext("The %(resource_labels)s limit must be a whole number of zero or more, or empty for unlimited.", resource_labels=RESOURCE_LABELS[resource]), field=resource)
            existing = session.scalar(select(TenantQuota).where(TenantQuota.tenant_id == tenant.id,
                                                                TenantQuota.resource == resource))
            if value == "plan":
                if existing:
                    session.delete(existing)
                    changes[resource] = "plan"
                continue
            if existing:
                existing.limit_value = value
            else:
                session.add(TenantQuota(tenant_id=tenant.id, resource=resource, limit_value=value))
            changes[resource] = value
        record("tenant.quota_override", actor, tenant_id=tenant.id, target_type="tenant",
               target_id=tenant.id, details={"limits": changes})
