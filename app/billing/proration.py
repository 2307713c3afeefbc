"""The arithmetic of a mid-period upgrade (docs/billing.md, "Proration").

Plans are paid for a period in advance. An upgrade at moment `t` of a period [start, end) charges
the price *difference* for the part of the period still to come, by seconds:

    remaining = end - t   (seconds)        length = end - start   (seconds)
    charge    = round_half_up((new_price - old_price) * remaining / length)     (integer cents)

Integer arithmetic only: `(delta * remaining * 2 + length) // (2 * length)`. Because
`remaining <= length`, each charge is at most the difference, so a period's charges never add up
to more than the most expensive plan held in it, and never below zero (an upgrade's difference
is positive; downgrades wait for the period end and charge nothing in between).

The invoice shows the charge as two lines, the unused time of the old plan credited and the
remaining time of the new plan charged, whose sum is exactly the charge above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves up (both non-negative)."""
    return (numerator * 2 + denominator) // (2 * denominator)


def seconds(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds())


@dataclass(frozen=True)
class Proration:
    """The two lines of an upgrade and their sum (all integer cents)."""

    unused_credit_cents: int  # negative: the old plan's unused time, given back
    remaining_charge_cents: int  # the new plan's remaining time
    remaining_seconds: int
    period_seconds: int

    @property
    def net_cents(self) -> int:
        return self.remaining_charge_cents + self.unused_credit_cents


def prorate_upgrade(old_price_cents: int, new_price_cents: int, period_start: datetime, period_end: datetime,
                    at: datetime) -> Proration:
    """What an upgrade at `at` charges for the rest of the period [period_start, period_end)."""
    if new_price_cents < old_price_cents:
        raise ValueError("prorate_upgrade is for upgrades; a downgrade waits for the period end")
    length = seconds(period_start, period_end)
    if length <= 0:
        raise ValueError("empty billing period")
    remaining = min(length, max(0, seconds(at, period_end)))
    credit = round_half_up_div(old_price_cents * remaining, length)
    net = round_half_up_div((new_price_cents - old_price_cents) * remaining, length)
    return Proration(unused_credit_cents=-credit, remaining_charge_cents=credit + net,
                     remaining_seconds=remaining, period_seconds=length)
