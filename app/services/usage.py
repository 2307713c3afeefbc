"""API-call metering: the atomic check-and-count, and the usage the dashboard charts.

Two meters share one contract (`app.services.meters.Meter`): the database (a conditional UPDATE on
the tenant's row for today, `DatabaseMeter`) and, when `REDIS_URL` is set, Redis
(`app.services.usage_redis`). `init_app` chooses one when the app is built; the functions below
ask that one. Either way the check and the increment are a single atomic step, so concurrent
requests never admit more than the limit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import ApiUsageDaily, Tenant
from app.models.types import utcnow
from app.services import write_behind
from app.services.meter_leases import LEASE_SECONDS, MAX_BLOCK, LeaseBook
from app.services.meters import Meter, MeterResult, period_bounds, seconds_to_next_period
from app.services.transaction import side_session

__all__ = ["DatabaseMeter", "Meter", "MeterResult", "period_bounds", "seconds_to_next_period"]
_EXTENSION = "usage_meter"
_LEASES = "usage_meter_leases"


def _ensure_today_row(session: Session, tenant_id: str, today: date) -> None:
    """Create today's row, carrying the month's running total forward from the last day used."""
    month_start = today.replace(day=1)
    exists = session.scalar(
        select(func.count()).select_from(ApiUsageDaily)
        .where(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day == today)
    )
    if exists:
        return
    # FOR UPDATE (PostgreSQL; SQLite serialises writers anyway): a call still counting on the previous
    # day's row finishes first, so the carried total includes it.
    carried = session.scalar(
        select(ApiUsageDaily.month_to_date)
        .where(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day >= month_start, ApiUsageDaily.day < today)
        .order_by(ApiUsageDaily.day.desc()).limit(1).with_for_update()
    ) or 0
    dialect = session.get_bind().dialect.name
    values = {"tenant_id": tenant_id, "day": today, "calls": 0, "month_to_date": carried}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    # Two first-calls-of-the-day racing: the loser's insert does nothing.
    session.execute(insert(ApiUsageDaily).values(**values).on_conflict_do_nothing())


def _carry_into_later_days(session: Session, tenant_id: str, day: date, calls: int = 1) -> None:
    """A call counted on `day` after the next day's row already carried the month's total forward
    (a request that started just before midnight UTC) must reach that running total too."""
    month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    session.execute(
        update(ApiUsageDaily)
        .where(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day > day, ApiUsageDaily.day < month_end)
        .values(month_to_date=ApiUsageDaily.month_to_date + calls)
    )


def _note_month_total(tenant_id: str, month_start: date, session: Session | None = None) -> None:
    """Copy the month's running total onto the tenant row (`Tenant.api_calls_month`), in the same
    transaction as the usage row it comes from, for fleet pages that sort 10,000 tenants by it.

    Never moves the counter back to an earlier month (past usage loaded after this month's)."""
    total = (select(func.coalesce(func.max(ApiUsageDaily.month_to_date), 0))
             .where(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day >= month_start)
             .scalar_subquery())
    (session or db.session).execute(
        update(Tenant)
        .where(Tenant.id == tenant_id,
               or_(Tenant.api_calls_month_start.is_(None), Tenant.api_calls_month_start <= month_start))
        .values(api_calls_month=total, api_calls_month_start=month_start)
        .execution_options(synchronize_session=False)
    )


def consume_api_call_db(tenant_id: str, limit: int | None, now: datetime | None = None) -> MeterResult:
    """Count one call if the month's total is under `limit`; one conditional UPDATE decides.

    In a transaction of its own: the count stands whatever the request then does, and the
    request's own pending work is neither committed nor waited for here.
    """
    now = now or utcnow()
    today = now.date()
    with side_session() as session:
        return _consume(session, tenant_id, limit, now, today)


def _consume(session: Session, tenant_id: str, limit: int | None, now: datetime, today: date) -> MeterResult:
    _ensure_today_row(session, tenant_id, today)
    row_filter = and_(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day == today)
    stmt = (
        update(ApiUsageDaily)
        .where(row_filter)
        .values(calls=ApiUsageDaily.calls + 1, month_to_date=ApiUsageDaily.month_to_date + 1)
        .returning(ApiUsageDaily.month_to_date)
    )
    if limit is not None:
        stmt = stmt.where(ApiUsageDaily.month_to_date < limit)
    used = session.execute(stmt).scalar_one_or_none()
    if used is not None:
        _carry_into_later_days(session, tenant_id, today)
        _note_month_total(tenant_id, today.replace(day=1), session)
    session.commit()
    if used is None:
        current = session.scalar(select(ApiUsageDaily.month_to_date).where(row_filter)) or 0
        return MeterResult(False, current, limit, seconds_to_next_period(now))
    return MeterResult(True, used, limit, seconds_to_next_period(now))


def lease_api_calls_db(tenant_id: str, limit: int | None, want: int, spread: int,
                       now: datetime | None = None) -> tuple[int, int]:
    """Take up to `want` calls of the tenant's remaining quota in one transaction: `(granted, month
    total after)`, granted 0 when none remain. Never more than `max(1, remaining // spread)`, so
    leases shrink to one call near the limit, and never more than remains: the UPDATE's condition
    decides, atomically, whatever other processes did meanwhile."""
    now = now or utcnow()
    today = now.date()
    with side_session() as session:
        _ensure_today_row(session, tenant_id, today)
        row_filter = and_(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day == today)
        grant = max(1, want)
        # First try: `grant` with room for `spread` such leases (the common, far-from-limit case).
        slack = grant * spread if limit is not None else 0
        while True:
            stmt = (update(ApiUsageDaily).where(row_filter)
                    .values(calls=ApiUsageDaily.calls + grant, month_to_date=ApiUsageDaily.month_to_date + grant)
                    .returning(ApiUsageDaily.month_to_date))
            if limit is not None:
                stmt = stmt.where(ApiUsageDaily.month_to_date <= limit - max(grant, slack))
            used = session.execute(stmt).scalar_one_or_none()
            if used is not None:
                _carry_into_later_days(session, tenant_id, today, grant)
                _note_month_total(tenant_id, today.replace(day=1), session)
                return grant, used
            # The failed UPDATE took the write lock (SQLite) or saw the latest row (PostgreSQL): size
            # the grant to what remains now.
            current = session.scalar(select(ApiUsageDaily.month_to_date).where(row_filter)) or 0
            room = limit - current
            if room <= 0:
                return 0, current
            grant, slack = min(grant, max(1, room // spread)), 0


def release_api_calls_db(tenant_id: str, day: date, count: int) -> None:
    """Give back `count` leased calls that were not used (they were counted on `day`)."""
    if count <= 0:
        return
    with side_session() as session:
        session.execute(update(ApiUsageDaily)
                        .where(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day == day)
                        .values(calls=ApiUsageDaily.calls - count, month_to_date=ApiUsageDaily.month_to_date - count))
        _carry_into_later_days(session, tenant_id, day, -count)
        _note_month_total(tenant_id, day.replace(day=1), session)


def api_calls_this_month_db(tenant_id: str, now: datetime | None = None) -> int:
    now = now or utcnow()
    month_start = now.date().replace(day=1)
    return db.session.scalar(
        select(func.max(ApiUsageDaily.month_to_date))
        .where(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day >= month_start)
    ) or 0


def daily_calls_db(tenant_id: str, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
    now = now or utcnow()
    first = now.date() - timedelta(days=days - 1)
    rows = dict(db.session.execute(
        select(ApiUsageDaily.day, ApiUsageDaily.calls)
        .where(ApiUsageDaily.tenant_id == tenant_id, ApiUsageDaily.day >= first)
    ).all())
    return [(first + timedelta(days=i), rows.get(first + timedelta(days=i), 0)) for i in range(days)]


class DatabaseMeter:
    """The embedded default: counters are the `api_usage_daily` rows."""

    keeps_counts_in_database = True

    def consume(self, tenant_id: str, limit: int | None, now: datetime) -> MeterResult:
        return consume_api_call_db(tenant_id, limit, now)

    def lease(self, tenant_id: str, limit: int | None, want: int, spread: int, now: datetime) -> tuple[int, int]:
        return lease_api_calls_db(tenant_id, limit, want, spread, now)

    def release(self, tenant_id: str, day: date, count: int) -> None:
        release_api_calls_db(tenant_id, day, count)

    def month_total(self, tenant_id: str, now: datetime) -> int:
        return api_calls_this_month_db(tenant_id, now)

    def daily(self, tenant_id: str, days: int, now: datetime) -> list[tuple[date, int]]:
        return daily_calls_db(tenant_id, days, now)

    def load(self, tenant_id: str, calls_by_day: dict[date, int]) -> None:
        write_daily_calls_db(tenant_id, calls_by_day)


def init_app(app: Flask) -> None:
    """Choose the app's meter once: Redis when REDIS_URL is set, else the database."""
    if app.config.get("REDIS_URL"):
        from app.services.usage_redis import meter_for

        app.extensions[_EXTENSION] = meter_for(app.config["REDIS_URL"])
    else:
        app.extensions[_EXTENSION] = DatabaseMeter()
    book = LeaseBook(app.extensions[_EXTENSION],
                     lease_seconds=float(app.config.get("METER_LEASE_SECONDS", LEASE_SECONDS)),
                     max_block=int(app.config.get("METER_LEASE_MAX_BLOCK", MAX_BLOCK)))
    app.extensions[_LEASES] = book
    write_behind.writer_of(app).register("meter-leases", book.return_expired)


def current_meter() -> Meter:
    """The meter `init_app` chose for the current app."""
    return current_app.extensions[_EXTENSION]


def consume_api_call(tenant_id: str, limit: int | None, now: datetime | None = None) -> MeterResult:
    """Count one API call against the tenant's monthly quota; refuse past the limit.

    Served from this process's lease of the tenant's quota when it holds one (`meter_leases`):
    exact (never more than the limit across every process), one atomic step per block of calls."""
    book: LeaseBook = current_app.extensions[_LEASES]
    result = book.consume(tenant_id, limit, now or utcnow())
    if book.holds_unused():
        write_behind.current_writer().start()  # gives back what an idle tenant's lease did not use
    return result


def lease_book(app: Flask) -> LeaseBook:
    """The app's lease book (the API's hot path admits calls from the blocks it holds)."""
    return app.extensions[_LEASES]


def return_leased_calls() -> int:
    """Give back every call this process leased and did not use (tests, shutdown); returns how many."""
    return current_app.extensions[_LEASES].return_expired(everything=True)


def api_calls_this_month(tenant_id: str, now: datetime | None = None) -> int:
    """Calls counted in the current UTC calendar month."""
    return current_meter().month_total(tenant_id, now or utcnow())


def daily_calls(tenant_id: str, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
    """Calls per UTC day for the last `days` days, oldest first, zero-filled."""
    return current_meter().daily(tenant_id, days, now or utcnow())


def load_daily_calls(tenant_id: str, calls_by_day: dict[date, int]) -> None:
    """Record past usage (demo data, imports): sets each day's calls and the running monthly totals."""
    current_meter().load(tenant_id, calls_by_day)


def write_daily_calls_db(tenant_id: str, calls_by_day: dict[date, int]) -> None:
    """Set the day rows to these counts, with running monthly totals from each month's first given day.

    Give whole months (from the 1st) for the totals to be right; days not given are left alone.
    """
    running: dict[tuple[int, int], int] = {}
    for day in sorted(calls_by_day):
        month = (day.year, day.month)
        running[month] = running.get(month, 0) + calls_by_day[day]
        row = db.session.get(ApiUsageDaily, (tenant_id, day))
        if row is None:
            row = ApiUsageDaily(tenant_id=tenant_id, day=day)
            db.session.add(row)
        row.calls = calls_by_day[day]
        row.month_to_date = running[month]
    db.session.flush()
    for year, month in sorted(running):
        _note_month_total(tenant_id, date(year, month, 1))
    db.session.commit()


def sync_redis_to_database(today: date | None = None) -> int:
    """With the Redis meter, copy this month's and last month's day counters into the day rows.

    Redis is the gate for every call; the database rows are what fleet-wide figures (the admin
    overview and tenant table) aggregate in SQL. Run it every minute or so (`flask usage sync`);
    it is idempotent. Returns how many tenants were written.
    """
    from app.models import Tenant

    meter = current_meter()
    if meter.keeps_counts_in_database:
        return 0
    today = today or utcnow().date()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    counts = meter.counts_since(first, today)
    known = set(db.session.scalars(select(Tenant.id).where(Tenant.id.in_(list(counts))))) if counts else set()
    for tenant_id in sorted(known):
        by_day = {first + timedelta(days=i): 0 for i in range((today - first).days + 1)}
        by_day.update(counts[tenant_id])
        write_daily_calls_db(tenant_id, by_day)
    return len(known)
