"""Fleet statistics, computed by aggregate queries (never by loading tenants into Python)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Plan, Tenant, TenantUser, User
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
    # The counter on each tenant row (app/models/counters.py), not a pass over every usage row.
    stats.api_calls_this_month = db.session.scalar(select(func.coalesce(func.sum(
        case((Tenant.api_calls_month_start == month_start, Tenant.api_calls_month), else_=0)), 0))) or 0
    stats.storage_bytes = db.session.scalar(select(func.coalesce(func.sum(Tenant.storage_used_bytes), 0))) or 0
    return stats


@dataclass(frozen=True)
class WeekCount:
    week_start: date
    count: int


def new_tenants_per_week(weeks: int = 12, now: datetime | None = None) -> list[WeekCount]:
    """Tenants created in each of the last `weeks` weeks (Monday to Sunday, UTC), oldest first.

    One grouped SELECT; the week buckets are a CASE over fixed boundaries, which reads the same
    on SQLite and PostgreSQL (their date-truncation functions differ).
    """
    now = now or utcnow()
    this_monday = datetime.combine(now.date() - timedelta(days=now.weekday()), time.min, tzinfo=UTC)
    starts = [this_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    bucket = case(*[(Tenant.created_at >= start, index) for index, start in reversed(list(enumerate(starts)))],
                  else_=None)
    # Grouped through a subquery: PostgreSQL cannot match a GROUP BY expression whose literals are bound anew.
    bucketed = select(bucket.label("week")).where(Tenant.created_at >= starts[0]).subquery()
    counts = dict(db.session.execute(select(bucketed.c.week, func.count()).group_by(bucketed.c.week)).all())
    return [WeekCount(start.date(), counts.get(index, 0)) for index, start in enumerate(starts)]
