"""Monthly billing periods, anchored on the day of the month the subscription started.

A period runs from its start (inclusive) to the same wall-clock time on the anchor day of the
next month; a month without that day ends on its last day (anchor 31: Jan 31 -> Feb 28, or Feb 29
in a leap year -> Mar 31). All in UTC.
"""

from __future__ import annotations

import calendar
from datetime import datetime


def add_month(moment: datetime, anchor_day: int) -> datetime:
    """The same time of day on `anchor_day` of the month after `moment` (clamped to that month's length)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(anchor_day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def period_containing(start: datetime, anchor_day: int, now: datetime) -> tuple[datetime, datetime]:
    """Walk periods forward from `start` to the one that holds `now` (start <= now < end)."""
    begin = start
    end = add_month(begin, anchor_day)
    while end <= now:
        begin, end = end, add_month(end, anchor_day)
    return begin, end
