"""The Redis backend of API-call metering: per-day counters, a Lua script for check-and-count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

import redis

from app.services.meters import MeterResult, seconds_to_next_period

# KEYS: the month's day keys, today's key last. ARGV: limit (-1 = unlimited), ttl seconds.
# Summing the month's day keys and incrementing today's in one script is atomic in Redis.
_CONSUME = """
local total = 0
for i = 1, #KEYS do
  total = total + tonumber(redis.call('GET', KEYS[i]) or '0')
end
local limit = tonumber(ARGV[1])
if limit >= 0 and total >= limit then
  return {0, total}
end
local today = KEYS[#KEYS]
redis.call('INCR', today)
redis.call('EXPIRE', today, tonumber(ARGV[2]))
return {1, total + 1}
"""

# The same sum, then a block: ARGV limit (-1 = unlimited), want, spread, ttl. Grants
# min(want, max(1, floor(remaining / spread))) calls, never more than remain; {granted, total after}.
_LEASE = """
local total = 0
for i = 1, #KEYS do
  total = total + tonumber(redis.call('GET', KEYS[i]) or '0')
end
local limit = tonumber(ARGV[1])
local grant = tonumber(ARGV[2])
if limit >= 0 then
  local room = limit - total
  if room <= 0 then
    return {0, total}
  end
  grant = math.min(grant, math.max(1, math.floor(room / tonumber(ARGV[3]))))
end
local today = KEYS[#KEYS]
redis.call('INCRBY', today, grant)
redis.call('EXPIRE', today, tonumber(ARGV[4]))
return {grant, total + grant}
"""

_KEEP_SECONDS = 60 * 60 * 24 * 400  # day counters feed a 30-day chart and month totals


class RedisMeter:
    keeps_counts_in_database = False

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.script = client.register_script(_CONSUME)
        self.lease_script = client.register_script(_LEASE)

    @staticmethod
    def key(tenant_id: str, day: date) -> str:
        return f"usage:{tenant_id}:{day.isoformat()}"

    def _month_keys(self, tenant_id: str, today: date) -> list[str]:
        first = today.replace(day=1)
        return [self.key(tenant_id, first + timedelta(days=i)) for i in range((today - first).days + 1)]

    def consume(self, tenant_id: str, limit: int | None, now: datetime) -> MeterResult:
        keys = self._month_keys(tenant_id, now.date())
        allowed, used = self.script(keys=keys, args=[-1 if limit is None else limit, _KEEP_SECONDS])
        return MeterResult(bool(allowed), int(used), limit, seconds_to_next_period(now))

    def lease(self, tenant_id: str, limit: int | None, want: int, spread: int, now: datetime) -> tuple[int, int]:
        keys = self._month_keys(tenant_id, now.date())
        granted, used = self.lease_script(keys=keys, args=[-1 if limit is None else limit, max(1, want), spread,
                                                           _KEEP_SECONDS])
        return int(granted), int(used)

    def release(self, tenant_id: str, day: date, count: int) -> None:
        if count > 0:
            self.client.decrby(self.key(tenant_id, day), count)

    def month_total(self, tenant_id: str, now: datetime) -> int:
        values = self.client.mget(self._month_keys(tenant_id, now.date()))
        return sum(int(v) for v in values if v)

    def daily(self, tenant_id: str, days: int, now: datetime) -> list[tuple[date, int]]:
        first = now.date() - timedelta(days=days - 1)
        day_list = [first + timedelta(days=i) for i in range(days)]
        values = self.client.mget([self.key(tenant_id, d) for d in day_list])
        return [(d, int(v) if v else 0) for d, v in zip(day_list, values, strict=True)]

    def counts_since(self, first: date, last: date) -> dict[str, dict[date, int]]:
        """Every tenant's day counters from `first` to `last`, read with SCAN (never KEYS)."""
        wanted = {(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)}
        found: dict[str, dict[date, int]] = {}
        keys = [k.decode() if isinstance(k, bytes) else k for k in self.client.scan_iter(match="usage:*", count=1000)]
        keys = [k for k in keys if k.rsplit(":", 1)[-1] in wanted]
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            for key, value in zip(chunk, self.client.mget(chunk), strict=True):
                if value is None:
                    continue
                _, tenant_id, day = key.split(":", 2)
                found.setdefault(tenant_id, {})[date.fromisoformat(day)] = int(value)
        return found

    def load(self, tenant_id: str, calls_by_day: dict[date, int]) -> None:
        for day, calls in calls_by_day.items():
            self.add(tenant_id, day, calls)

    def add(self, tenant_id: str, day: date, calls: int) -> None:
        """Record past usage (demo data, imports)."""
        key = self.key(tenant_id, day)
        self.client.incrby(key, calls)
        self.client.expire(key, _KEEP_SECONDS)


@lru_cache(maxsize=4)
def meter_for(url: str) -> RedisMeter:
    return RedisMeter(redis.Redis.from_url(url))
