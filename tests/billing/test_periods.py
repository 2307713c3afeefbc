"""Monthly periods keep their anchor day through short months, leap days and year ends."""

from __future__ import annotations

from datetime import UTC, datetime

from app.billing.periods import add_month, period_containing


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_an_anchor_on_the_31st_clamps_to_short_months_and_comes_back():
    moment = at(2028, 1, 31, 9, 30)
    walk = []
    for _ in range(4):
        moment = add_month(moment, 31)
        walk.append(moment)
    assert walk == [at(2028, 2, 29, 9, 30), at(2028, 3, 31, 9, 30), at(2028, 4, 30, 9, 30), at(2028, 5, 31, 9, 30)]


def test_february_outside_a_leap_year_ends_on_the_28th():
    assert add_month(at(2027, 1, 30), 30) == at(2027, 2, 28)


def test_a_period_crosses_the_year_end():
    assert add_month(at(2027, 12, 15, 23, 59, 59), 15) == at(2028, 1, 15, 23, 59, 59)


def test_the_period_holding_a_moment_is_found_by_walking_forward():
    assert period_containing(at(2027, 11, 30), 30, at(2028, 3, 1)) == (at(2028, 2, 29), at(2028, 3, 30))
