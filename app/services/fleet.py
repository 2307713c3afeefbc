"""The fleet as platform admins see it: the tenant table and the tenants near or over a quota.

Every list here is a fixed number of SELECTs whatever the page size or the fleet's size, and none
counts the fleet's members or usage rows: the per-row figures (members, API calls this month) are
counters on the tenant row, kept on write (app/models/counters.py). With 10,000 tenants and 100,000
users a page of the tenant table costs two statements (the count and the page), each reading only
the tenants table and the page's owners.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import (
    ISOLATION_STRATEGIES,
    TENANT_STATUSES,
    AuditEvent,
    Plan,
    Tenant,
    TenantInvitation,
    TenantQuota,
    User,
)
from app.models.types import utcnow
from app.services import tenants
from app.services.pagination import Page, clamp_paging
from app.services.quotas import RESOURCE_LABELS, WARNING_RATIO

SORTS = ("created", "name", "users", "api_calls")
DIRECTIONS = ("asc", "desc")
# The direction a column sorts in when first clicked: newest, A-Z, biggest first.
DEFAULT_DIRECTION = {"created": "desc", "name": "asc", "users": "desc", "api_calls": "desc"}
STATUS_ACTIONS = ("tenant.created", "tenant.suspended", "tenant.reactivated", "tenant.expired",
                  "tenant.trial_extended", "tenant.deleted", "tenant.restored")


@dataclass(frozen=True)
class TenantTableQuery:
    """What the admin asked the tenant table for; unknown values fall back to the defaults."""

    q: str = ""
    status: str = ""
    plan: str = ""
    isolation: str = ""
    sort: str = "created"
    direction: str = "desc"
    page: int = 1
    per_page: int = 25

    @classmethod
    def from_args(cls, args: Any) -> TenantTableQuery:
        """Parse untrusted query-string values (a bookmarked URL may hold anything)."""
        sort = args.get("sort") if args.get("sort") in SORTS else "created"
        direction = args.get("dir") if args.get("dir") in DIRECTIONS else DEFAULT_DIRECTION[sort]
        page, per_page = clamp_paging(args.get("page", 1), args.get("per_page", 25))
        status = args.get("status") or ""
        isolation = args.get("isolation") or ""
        return cls(q=(args.get("q") or "").strip()[:100],
                   status=status if status in TENANT_STATUSES else "",
                   plan=(args.get("plan") or "").strip()[:32],
                   isolation=isolation if isolation in ISOLATION_STRATEGIES else "",
                   sort=sort, direction=direction, page=page, per_page=per_page)

    def to_args(self, **changes: Any) -> dict[str, Any]:
        """The query string for this view (with `changes`), omitting defaults so URLs stay short."""
        view = replace(self, **changes)
        args: dict[str, Any] = {"q": view.q, "status": view.status, "plan": view.plan,
                                "isolation": view.isolation}
        if view.sort != "created" or view.direction != "desc":
            args.update(sort=view.sort, dir=view.direction)
        if view.page != 1:
            args["page"] = view.page
        if view.per_page != 25:
            args["per_page"] = view.per_page
        return {k: v for k, v in args.items() if v not in ("", None)}

    def sorted_by(self, column: str) -> dict[str, Any]:
        """Arguments for a column header: toggles direction on the current sort, else its default."""
        if column == self.sort:
            direction = "asc" if self.direction == "desc" else "desc"
        else:
            direction = DEFAULT_DIRECTION[column]
        return self.to_args(sort=column, direction=direction, page=1)


@dataclass(frozen=True)
class TenantRow:
    id: str
    name: str
    slug: str
    status: str
    plan_code: str
    plan_name: str
    isolation_strategy: str
    owner_email: str | None
    created_at: datetime
    trial_ends_at: datetime | None
    storage_used_bytes: int
    users: int
    api_calls: int
    pending_invitations: int = 0

    @property
    def seats(self) -> int:
        """Seats as the tenant's own meter counts them (`quotas.Seats`): members plus pending invitations."""
        return self.users + self.pending_invitations


def _month_start(now: datetime | None = None):
    return (now or utcnow()).date().replace(day=1)


def _api_calls_this_month(now: datetime | None = None) -> ColumnElement[int]:
    """This month's API calls from the counter on the tenant row (a figure of an earlier month is 0 now)."""
    return case((Tenant.api_calls_month_start == _month_start(now), Tenant.api_calls_month), else_=0)


def _sort_keys(sort: str) -> tuple[ColumnElement, ...]:
    """What a sort orders by, in an index's column order, so the page is read off the index.

    By API calls: the counter's month first. Tenants counted this month come before the rest, by their
    count; the others all show 0 this month, so the order among them (their old month's figures)
    is as good as any, and stable.
    """
    return {"created": (Tenant.created_at,), "name": (func.lower(Tenant.name),), "users": (Tenant.member_count,),
            "api_calls": (Tenant.api_calls_month_start, Tenant.api_calls_month)}[sort]


def _tenant_filter(view: TenantTableQuery) -> tenants.TenantFilter:
    return tenants.TenantFilter(status=view.status or None, plan=view.plan or None, q=view.q or None,
                                isolation_strategy=view.isolation or None)


def tenant_table_statement(view: TenantTableQuery) -> Select:
    """The filtered, sorted SELECT behind the tenant table (one row per tenant, figures included).

    The filter is the tenant manager's own (`tenants.filtered_query`), so the CLI, the API and
    this table agree on what "search acme" means.
    """
    owner = aliased(User)
    users = Tenant.member_count.label("users")
    api_calls = _api_calls_this_month().label("api_calls")
    # A correlated count, evaluated only for the rows of the page (pending invitations are few, and
    # a partial index holds them), so the page is still read off the sort's index.
    pending = (select(func.count()).select_from(TenantInvitation)
               .where(TenantInvitation.tenant_id == Tenant.id, TenantInvitation.status == "pending",
                      TenantInvitation.expires_at > utcnow())
               .correlate(Tenant).scalar_subquery().label("pending_invitations"))
    stmt = (
        tenants.filtered_query(_tenant_filter(view))
        .with_only_columns(Tenant.id, Tenant.name, Tenant.slug, Tenant.status, Tenant.plan_code,
                           Plan.name.label("plan_name"), Tenant.isolation_strategy,
                           owner.email.label("owner_email"), Tenant.created_at, Tenant.trial_ends_at,
                           Tenant.storage_used_bytes, users, api_calls, pending)
        .select_from(Tenant)
        .join(Plan, Plan.code == Tenant.plan_code)
        .outerjoin(owner, owner.id == Tenant.owner_id)
        .order_by(None)
    )
    # Tenant.id breaks ties so paging never repeats or skips a row; it runs in the sort's direction
    # so that one index, read forwards or backwards, serves the whole ORDER BY.
    keys = (*_sort_keys(view.sort), Tenant.id)
    return stmt.order_by(*(key.asc() if view.direction == "asc" else key.desc() for key in keys))


def tenant_table(view: TenantTableQuery) -> Page[TenantRow]:
    """One page of the tenant table and the total: exactly two SELECTs."""
    stmt = tenant_table_statement(view)
    count_stmt = (tenants.filtered_query(_tenant_filter(view))
                  .with_only_columns(func.count()).select_from(Tenant).order_by(None))
    total = db.session.scalar(count_stmt) or 0
    pages = max(1, -(-total // view.per_page))
    page = min(view.page, pages)
    rows = db.session.execute(stmt.limit(view.per_page).offset((page - 1) * view.per_page)).all()
    items = [TenantRow(**row._asdict()) for row in rows]
    return Page(items=items, total=total, page=page, per_page=view.per_page)


@dataclass(frozen=True)
class NearQuota:
    """A tenant using at least 80% of one limit (the fullest resource is the one shown)."""

    tenant_id: str
    name: str
    slug: str
    plan_name: str
    resource: str
    used: int
    limit: int

    @property
    def percent(self) -> int:
        return round(100 * self.used / self.limit) if self.limit else 100

    @property
    def label(self) -> str:
        return RESOURCE_LABELS[self.resource]

    @property
    def state(self) -> str:
        return "danger" if self.used >= self.limit else "warning"


def near_quota(limit: int = 10, now: datetime | None = None) -> list[NearQuota]:
    """Live tenants at or past 80% of a limit (the tenant's override, else its plan's), fullest first.

    One SELECT: seats (active members plus pending invitations, as `quotas.seats_used` counts
    them), storage and this month's API calls are compared with the effective limits in SQL.
    """
    now = now or utcnow()
    # Pending invitations are few (a partial index keeps them apart): count them in one grouped pass.
    pending = (select(TenantInvitation.tenant_id, func.count().label("n"))
               .where(TenantInvitation.status == "pending", TenantInvitation.expires_at > now)
               .group_by(TenantInvitation.tenant_id).subquery("pending"))
    seats = Tenant.member_count + func.coalesce(pending.c.n, 0)
    used = {"users": seats, "storage": func.coalesce(Tenant.storage_used_bytes, 0),
            "api_calls": _api_calls_this_month(now)}
    plan_limit = {"users": Plan.max_users, "storage": Plan.max_storage_bytes,
                  "api_calls": Plan.max_api_calls_per_month}
    overrides = {r: aliased(TenantQuota, name=f"override_{r}") for r in used}
    limit_of = {r: case((overrides[r].id.is_not(None), overrides[r].limit_value), else_=plan_limit[r])
                for r in used}
    inner = select(Tenant.id.label("tenant_id"), Tenant.name, Tenant.slug, Plan.name.label("plan_name"),
                   *[used[r].label(f"used_{r}") for r in used], *[limit_of[r].label(f"limit_{r}") for r in used])
    inner = (inner.select_from(Tenant).join(Plan, Plan.code == Tenant.plan_code)
             .outerjoin(pending, pending.c.tenant_id == Tenant.id))
    for resource, alias in overrides.items():
        inner = inner.outerjoin(alias, and_(alias.tenant_id == Tenant.id, alias.resource == resource))
    inner = inner.where(Tenant.status.in_(("trial", "active", "suspended"))).subquery()
    # Usage as a fraction of the limit; NULL when unlimited (or a zero limit, treated as full below).
    ratios = {r: case((inner.c[f"limit_{r}"] > 0,
                       inner.c[f"used_{r}"] * literal(1.0) / inner.c[f"limit_{r}"]),
                      (inner.c[f"limit_{r}"] == 0, literal(1.0)), else_=None) for r in used}
    fullest = func.max(*[func.coalesce(ratios[r], 0) for r in used]) if db.session.get_bind().dialect.name == \
        "sqlite" else func.greatest(*[func.coalesce(ratios[r], 0) for r in used])
    rows = db.session.execute(
        select(inner, fullest.label("fullest")).where(fullest >= WARNING_RATIO)
        .order_by(fullest.desc(), inner.c.name).limit(limit)
    ).all()
    result = []
    for row in rows:
        resource = max(used, key=lambda r: _ratio(row, r))
        result.append(NearQuota(row.tenant_id, row.name, row.slug, row.plan_name, resource,
                                int(getattr(row, f"used_{resource}") or 0), int(getattr(row, f"limit_{resource}"))))
    return result


def _ratio(row: Any, resource: str) -> float:
    limit = getattr(row, f"limit_{resource}")
    used = getattr(row, f"used_{resource}") or 0
    if limit is None:
        return -1.0
    return 1.0 if limit == 0 else used / limit


def status_history(tenant_id: str, limit: int = 20) -> list[AuditEvent]:
    """The tenant's lifecycle (created, suspended, reactivated, ...) from its audit trail, newest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.tenant_id == tenant_id, AuditEvent.action.in_(STATUS_ACTIONS))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)))


def recent_events(tenant_id: str, limit: int = 15) -> list[AuditEvent]:
    """The tenant's latest audit events, newest first."""
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)))


def tenant_slugs(tenant_ids: set[str]) -> dict[str, str]:
    """Slugs of the tenants among `tenant_ids` that still exist (one query for a page of audit events)."""
    if not tenant_ids:
        return {}
    return dict(db.session.execute(select(Tenant.id, Tenant.slug).where(Tenant.id.in_(tenant_ids))).all())
