"""The proration arithmetic (app/billing/proration.py), property-tested with hypothesis.

Property of the issue: over one period, the invoices of a tenant that starts on a plan and upgrades
any number of times at any moments never add up to more than the price of the dearest plan it held
for the whole period, and never to less than zero.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.billing.periods import add_month
from app.billing.proration import prorate_upgrade, round_half_up_div

START = datetime(2028, 1, 31, 12, 0, tzinfo=UTC)


def test_half_a_period_of_the_difference_is_charged_halfway():
    end = START + timedelta(days=30)
    proration = prorate_upgrade(9_900, 29_900, START, end, START + timedelta(days=15))
    assert proration.net_cents == 10_000
    assert proration.unused_credit_cents == -4_950
    assert proration.remaining_charge_cents == 14_950


def test_an_upgrade_in_the_last_second_charges_almost_nothing_and_at_the_start_the_whole_difference():
    end = START + timedelta(days=30)
    assert prorate_upgrade(9_900, 29_900, START, end, end - timedelta(seconds=1)).net_cents == 0
    assert prorate_upgrade(9_900, 29_900, START, end, START).net_cents == 20_000


def test_rounding_is_half_up_in_integer_cents():
    assert round_half_up_div(1, 2) == 1
    assert round_half_up_div(1, 3) == 0
    assert round_half_up_div(2, 3) == 1


def test_a_downgrade_is_not_prorated():
    with pytest.raises(ValueError):
        prorate_upgrade(29_900, 9_900, START, START + timedelta(days=30), START)


prices = st.integers(min_value=0, max_value=10_000_000)


@st.composite
def upgrade_paths(draw):
    """A period (anchored on any day, any month, across leap years) and a rising list of prices
    with the moments each upgrade happens at, in order."""
    anchor = draw(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2031, 12, 31)))
    start = anchor.replace(tzinfo=UTC)
    end = add_month(start, start.day)
    length = int((end - start).total_seconds())
    steps = draw(st.lists(prices, min_size=1, max_size=8))
    path = sorted(steps)
    moments = sorted(draw(st.lists(st.integers(min_value=0, max_value=length), min_size=len(path) - 1,
                                   max_size=len(path) - 1)))
    return start, end, path, [start + timedelta(seconds=s) for s in moments]


# No deadline: the examples are pure arithmetic, and a loaded CI machine must not turn time into a failure.
@settings(deadline=None)
@given(upgrade_paths())
def test_a_periods_invoices_never_exceed_the_dearest_plan_and_never_go_negative(case):
    start, end, path, moments = case
    invoices = [path[0]]  # the period is invoiced in advance at the first plan's price
    for (old, new), at in zip(itertools.pairwise(path), moments, strict=True):
        proration = prorate_upgrade(old, new, start, end, at)
        assert proration.net_cents >= 0
        assert proration.remaining_charge_cents + proration.unused_credit_cents == proration.net_cents
        invoices.append(proration.net_cents)
    assert 0 <= sum(invoices) <= max(path)


@settings(deadline=None)
@given(prices, prices, st.integers(min_value=1, max_value=31 * 86_400), st.data())
def test_the_charge_grows_with_the_time_left(low, high, length, data):
    old, new = sorted((low, high))
    start = START
    end = start + timedelta(seconds=length)
    earlier, later = sorted(data.draw(st.lists(st.integers(0, length), min_size=2, max_size=2)))
    charge_early = prorate_upgrade(old, new, start, end, start + timedelta(seconds=earlier)).net_cents
    charge_late = prorate_upgrade(old, new, start, end, start + timedelta(seconds=later)).net_cents
    assert charge_late <= charge_early <= new - old
