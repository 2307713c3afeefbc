"""Bar charts as plain SVG geometry: the templates draw rects and text, nothing inline (CSP).

One builder serves the owner dashboard's 30-day API calls and the admin overview's new tenants
per week: a series of (day, value) pairs in, bars and round-numbered gridlines out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float
    label: bool  # whether the day is written under the axis

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass(frozen=True)
class Gridline:
    value: int
    y: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    gridlines: list[Gridline]
    total: int
    peak: int
    width: int
    height: int
    left: int
    right: int
    bottom: float  # the baseline's y

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def axis_top(peak: int) -> int:
    """The axis top: four times a round step (1, 2, 2.5 or 5 x 10^n), so all four gridlines land on round numbers."""
    quarter = peak / 4
    if quarter <= 1:
        return 4
    magnitude = 10 ** (len(str(int(quarter))) - 1)
    # 2.5 only from tens up, so a step is always a whole number.
    steps = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
    for step in steps:
        if quarter <= step * magnitude:
            return int(4 * step * magnitude)
    return 40 * magnitude


def bar_chart(series: list[tuple[date, int]], *, width: int, height: int, margins: tuple[int, int, int, int],
              bar_ratio: float = 0.78, label_every: int = 1) -> BarChart:
    """Scale (day, value) pairs, oldest first, into the plot area inside `margins` (left, right, top, bottom).

    Every `label_every`-th bar, counted back from the newest, carries a day label.
    """
    left, right, top, bottom = margins
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((value for _, value in series), default=0)
    ceiling = axis_top(peak)
    slot = plot_w / max(1, len(series))
    gap = slot * (1 - bar_ratio)
    bars = []
    for i, (day, value) in enumerate(series):
        h = 0.0 if not value else max(1.5, plot_h * value / ceiling)
        bars.append(Bar(day=day, value=value, x=round(left + i * slot + gap / 2, 2), y=round(top + plot_h - h, 2),
                        width=round(slot - gap, 2), height=round(h, 2),
                        label=(len(series) - 1 - i) % label_every == 0))
    gridlines = [Gridline(value=ceiling * k // 4, y=round(top + plot_h - plot_h * k / 4, 2)) for k in range(5)]
    return BarChart(bars=bars, gridlines=gridlines, total=sum(v for _, v in series), peak=peak, width=width,
                    height=height, left=left, right=width - right, bottom=height - bottom)
