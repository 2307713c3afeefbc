"""Turning untrusted text into numbers and instants, once, with the limits the databases impose.

Python's int and datetime are unbounded where the columns are not: a page number past 2**63 overflows
OFFSET, `9999-12-31T23:59:59-14:00` overflows when moved to UTC, `1e30` GiB does not fit a BIGINT and
`inf`/`nan` are not numbers at all. Every parser here raises `ValueError` for such text, so an adapter
turns it into a form error or a 422 instead of a 500.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

MAX_TEXT_NUMBER = 40  # digits; longer text is not a number anyone typed
MAX_BIGINT = 2**63 - 1
MAX_INT = 2**31 - 1


def parse_int(raw: str | int | None, *, minimum: int | None = None, maximum: int = MAX_BIGINT) -> int:
    """A whole number within [minimum, maximum]; `ValueError` otherwise (also for blank text)."""
    if isinstance(raw, bool):
        raise ValueError("not a whole number")
    if isinstance(raw, int):
        value = raw
    else:
        text = (raw or "").strip().replace(",", "").replace("_", "")
        if not text or len(text) > MAX_TEXT_NUMBER or not text.lstrip("+-").isascii() or not text.lstrip("+-").isdigit():
            raise ValueError("not a whole number")
        value = int(text)
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum}")
    if value > maximum:
        raise ValueError(f"must be at most {maximum}")
    return value


def parse_number(raw: str | None, *, minimum: float | None = None, maximum: float) -> float:
    """A finite decimal number within [minimum, maximum] (`inf`, `nan` and `1e30` are refused)."""
    text = (raw or "").strip().replace(",", "").replace("_", "")
    if not text or len(text) > MAX_TEXT_NUMBER:
        raise ValueError("not a number")
    value = float(text)  # ValueError for text that is no number
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    if minimum is not None and value < minimum:
        raise ValueError(f"must be at least {minimum}")
    if value > maximum:
        raise ValueError(f"must be at most {maximum}")
    return value


# Far enough from both ends that a day or a time zone added later cannot overflow.
EARLIEST = datetime(1, 1, 3, tzinfo=UTC)
LATEST = datetime(9999, 12, 29, tzinfo=UTC)


def parse_datetime(raw: str | None) -> datetime:
    """An ISO 8601 date or date-time as an aware UTC instant (UTC when no offset is given).

    Instants within two days of year 1 or year 9999 are refused: moving them to UTC, or adding the
    day an "until" date means, would leave the range `datetime` can hold.
    """
    text = (raw or "").strip()
    if not text or len(text) > 64:
        raise ValueError("not an ISO 8601 date-time")
    parsed = datetime.fromisoformat(text.upper())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        instant = parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("outside the supported range") from None
    if not EARLIEST <= instant <= LATEST:
        raise ValueError("outside the supported range")
    return instant

