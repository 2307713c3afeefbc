"""The API-call meter's contract: one atomic check-and-count, whichever store keeps the counters.

Two implementations: `usage.DatabaseMeter` (a conditional UPDATE on the tenant's row for the day)
and `usage_redis.RedisMeter` (a Lua script), chosen once when the app is built (`usage.init_app`).
Either way the check and the increment are a single atomic step, so concurrent requests never
admit more than the limit.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from app.models.types import utcnow


@dataclass(frozen=True)
class MeterResult:
    allowed: bool
    used: int  # calls this month after this one (or at refusal, the calls already counted)
    limit: int | None
    retry_after_seconds: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)


def period_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The current quota period: the UTC calendar month [start, end)."""
    now = now or utcnow()
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    days = calendar.monthrange(now.year, now.month)[1]
    return start, start + timedelta(days=days)


def seconds_to_next_period(now: datetime | None = None) -> int:
    now = now or utcnow()
    _, end = period_bounds(now)
    return max(1, int((end - now).total_seconds()))


class Meter(Protocol):
    """What every meter does. `now` is always given (time is an argument)."""

    keeps_counts_in_database: bool

    def consume(self, tenant_id: str, limit: int | None, now: datetime) -> MeterResult: ...

    def lease(self, tenant_id: str, limit: int | None, want: int, spread: int, now: datetime) -> tuple[int, int]:
        """Count up to `want` calls at once (at most `max(1, remaining // spread)`, never more than
        remain): `(granted, month total after)`; granted 0 when the quota is spent."""

    def release(self, tenant_id: str, day: date, count: int) -> None:
        """Uncount `count` leased calls, counted on `day`, that were not used."""

    def month_total(self, tenant_id: str, now: datetime) -> int: ...

    def daily(self, tenant_id: str, days: int, now: datetime) -> list[tuple[date, int]]: ...

    def load(self, tenant_id: str, calls_by_day: dict[date, int]) -> None:
        """Record past usage (demo data, imports): each day's calls, with the months' running totals."""
