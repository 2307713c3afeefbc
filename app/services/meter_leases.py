"""Metering by leases: each process takes small blocks of a tenant's remaining quota and serves calls
from memory, so a busy tenant's calls cost one atomic step per block instead of one per call.

Exactness: a block is taken by the meter's single atomic step (`Meter.lease`: a conditional UPDATE, or
a Redis script) and is never larger than what remains, so the calls admitted across every process
can never exceed the limit. Blocks are sized by demand: a process leases one call at a time until it
served `GROW_AFTER` calls of that tenant in the last whole second, then as many as it served then
(at most `MAX_BLOCK`), and the meter caps any block at `max(1, remaining // SPREAD)`, so
near the limit every block is one call. A block expires after `LEASE_SECONDS`; what it did not use is
given back (by the next call, or the process's write-behind thread for an idle tenant, and at exit).

What that costs, and is documented in docs/api.md: while another process holds unused calls of a
block, a call here can be refused although the tenant's month is not quite spent (under-admission,
bounded by the outstanding blocks, for at most `LEASE_SECONDS`), and the month's count (dashboards,
`X-Quota-Remaining`) includes calls leased but not yet used for that long. A process killed with
unused calls leaves them counted: under-admission, never over-admission.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime

from app.services.meters import Meter, MeterResult, seconds_to_next_period

log = logging.getLogger(__name__)

LEASE_SECONDS = 1.0
DEMAND_SECONDS = 1.0  # demand is the calls served in the last whole second
MAX_BLOCK = 100
GROW_AFTER = 16
SPREAD = 16


@dataclass
class Lease:
    day: date
    limit: int | None
    left: int  # calls of the block not served yet
    used_after: int  # the month's count once the whole block is used
    expires_at: float


@dataclass
class Demand:
    period_start: float
    served: int = 0
    served_last_period: int = 0


class LeaseBook:
    """One app's leases, per tenant, in this process."""

    def __init__(self, meter: Meter, *, lease_seconds: float = LEASE_SECONDS, max_block: int = MAX_BLOCK,
                 grow_after: int = GROW_AFTER, spread: int = SPREAD) -> None:
        self.meter = meter
        self.lease_seconds = lease_seconds
        self.max_block = max_block
        self.grow_after = grow_after
        self.spread = spread
        self._leases: dict[str, Lease] = {}
        self._demand: dict[str, Demand] = {}
        self._lock = threading.Lock()

    def _want(self, tenant_id: str, clock: float) -> int:
        demand = self._demand.get(tenant_id)
        if demand is None:
            self._demand[tenant_id] = demand = Demand(clock)
        if clock - demand.period_start >= DEMAND_SECONDS:
            # Calls served in the second that just ended; a gap of several seconds means no demand.
            recent = demand.served if clock - demand.period_start < 2 * DEMAND_SECONDS else 0
            demand.period_start, demand.served_last_period, demand.served = clock, recent, 0
        demand.served += 1
        # Sized by the last whole period only: a burst that is not sustained never leases ahead.
        last = demand.served_last_period
        return 1 if last < self.grow_after else min(self.max_block, last)

    def take_held(self, tenant_id: str, limit: int | None, now: datetime) -> MeterResult | None:
        """Admit one call from the block this process already holds for `tenant_id`, or None when it
        holds no usable block (then `consume` decides: it may lease one, or refuse). Never a round trip."""
        clock = time.time()
        with self._lock:
            lease = self._leases.get(tenant_id)
            if lease is None or lease.left <= 0 or clock >= lease.expires_at or lease.day != now.date() \
                    or lease.limit != limit:
                return None
            self._want(tenant_id, clock)  # counted in the demand only when served here
            lease.left -= 1
            return MeterResult(True, lease.used_after - lease.left, limit, seconds_to_next_period(now))

    def consume(self, tenant_id: str, limit: int | None, now: datetime) -> MeterResult:
        """Admit one call of `tenant_id` (from this process's block, or a new block), or refuse it."""
        clock = time.time()
        retired: Lease | None = None
        with self._lock:
            want = self._want(tenant_id, clock)
            lease = self._leases.get(tenant_id)
            if lease is not None and (clock >= lease.expires_at or lease.day != now.date() or lease.limit != limit):
                retired = self._leases.pop(tenant_id)
                lease = None
            if lease is not None and lease.left > 0:
                lease.left -= 1
                return MeterResult(True, lease.used_after - lease.left, limit, seconds_to_next_period(now))
        if retired is not None and retired.left:
            self._release(tenant_id, retired)
        granted, used_after = self.meter.lease(tenant_id, limit, want, self.spread, now)
        if granted == 0:
            return MeterResult(False, used_after, limit, seconds_to_next_period(now))
        displaced: Lease | None = None
        with self._lock:
            held = self._leases.get(tenant_id)
            if held is not None and held.day == now.date() and held.limit == limit:
                # Another thread of this process took a block at the same time: keep one lease of both.
                held.left += granted - 1
                held.used_after = max(held.used_after, used_after)
                held.expires_at = clock + self.lease_seconds
            else:
                displaced = self._leases.pop(tenant_id, None)
                self._leases[tenant_id] = Lease(now.date(), limit, granted - 1, used_after,
                                                clock + self.lease_seconds)
        if displaced is not None and displaced.left:
            self._release(tenant_id, displaced)
        return MeterResult(True, used_after - (granted - 1), limit, seconds_to_next_period(now))

    def _release(self, tenant_id: str, lease: Lease) -> None:
        try:
            self.meter.release(tenant_id, lease.day, lease.left)
        except Exception:  # the calls stay counted: under-admission, never over-admission
            log.exception("could not give back %s leased API calls of tenant %s", lease.left, tenant_id)

    def return_expired(self, *, everything: bool = False) -> int:
        """Give back the unused calls of expired leases (all leases with `everything`); returns how many."""
        clock = time.time()
        with self._lock:
            expired = {t: lease for t, lease in self._leases.items() if everything or clock >= lease.expires_at}
            for tenant_id in expired:
                del self._leases[tenant_id]
        returned = 0
        for tenant_id, lease in expired.items():
            if lease.left:
                self._release(tenant_id, lease)
                returned += lease.left
        return returned

    def holds_unused(self) -> bool:
        return any(lease.left for lease in self._leases.values())
