"""The SVG bar-chart geometry shared by the dashboard and the admin overview."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.web.charts import axis_top, bar_chart


@pytest.mark.parametrize("peak, top", [(0, 4), (3, 4), (5, 8), (29, 40), (41, 80), (90, 100), (1200, 2000), (9000, 10000)])
def test_axis_top_gives_round_gridlines(peak, top):
    assert axis_top(peak) == top
    assert all((top * k) % 4 == 0 for k in range(5))


def test_bars_scale_to_the_plot_and_label_every_seventh_day_from_the_newest():
    start = date(2026, 11, 1)
    series = [(start + timedelta(days=i), v) for i, v in enumerate([0, 10, 20, 40, 5, 0, 1, 39])]
    chart = bar_chart(series, width=100, height=60, margins=(10, 0, 10, 10), label_every=7)
    assert chart.total == 115 and chart.peak == 40 and chart.bottom == 50
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.value == 40 and tallest.y == 10.0 and tallest.height == 40.0  # the axis top is 40
    assert [b.height for b in chart.bars if not b.value] == [0.0, 0.0]
    assert [b.label for b in chart.bars] == [True, False, False, False, False, False, False, True]
    assert [g.value for g in chart.gridlines] == [0, 10, 20, 30, 40]


def test_an_empty_series_is_an_empty_chart():
    chart = bar_chart([], width=100, height=60, margins=(10, 0, 10, 10))
    assert chart.is_empty and chart.bars == [] and chart.gridlines[-1].value == 4
