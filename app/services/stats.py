"""Fleet statistics, computed by aggregate queries (never by loading tenants into Python)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.extensions import db
from app.models import ApiUsageDaily, Plan, Tenant, TenantUser, User
from app.models.types import utcnow


@dataclass
class FleetStats:
    tenants_total: int = 0
    tenants_by_status: dict[str, int] = field(default_factory=dict)
    tenants_by_plan: dict[str, int] = field(default_factory=dict)
    users_total: int = 0
    memberships_total: int = 0
    mrr_cents: int = 0
    api_calls_this_month: int = 0
    storage_bytes: int = 0

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def fleet_stats() -> FleetStats:
    """Tenants by status and plan, users, monthly recurring revenue, usage this month.

    MRR counts tenants that are `active` on a priced plan; trials, suspended, expired and deleted
    tenants pay nothing, and Enterprise's custom price is agreed outside the catalogue.
    """
    stats = FleetStats()
    for status, count in db.session.execute(select(Tenant.status, func.count()).group_by(Tenant.status)):
        stats.tenants_by_status[status] = count
    stats.tenants_total = sum(stats.tenants_by_status.values())
    for plan, count in db.session.execute(
        select(Tenant.plan_code, func.count()).where(Tenant.status != "deleted").group_by(Tenant.plan_code)
    ):
        stats.tenants_by_plan[plan] = count
    stats.users_total = db.session.scalar(select(func.count()).select_from(User)) or 0
    stats.memberships_total = db.session.scalar(select(func.count()).select_from(TenantUser)) or 0
    stats.mrr_cents = db.session.scalar(
        select(func.coalesce(func.sum(Plan.price_cents), 0)).select_from(Tenant)
        .join(Plan, Plan.code == Tenant.plan_code).where(Tenant.status == "active")
    ) or 0
    month_start = utcnow().date().replace(day=1)
    latest = (select(ApiUsageDaily.tenant_id, func.max(ApiUsageDaily.month_to_date).label("mtd"))
              .where(ApiUsageDaily.day >= month_start).group_by(ApiUsageDaily.tenant_id).subquery())
    stats.api_calls_this_month = db.session.scalar(select(func.coalesce(func.sum(latest.c.mtd), 0))) or 0
    stats.storage_bytes = db.session.scalar(select(func.coalesce(func.sum(Tenant.storage_used_bytes), 0))) or 0
    return stats
