"""The 30-day API-call chart as plain SVG geometry (no chart library, nothing inline for the CSP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 12, 30


@dataclass(frozen=True)
class Bar:
    day: date
    calls: int
    x: float
    y: float
    width: float
    height: float
    label: bool  # whether the day is written under the axis


@dataclass(frozen=True)
class Gridline:
    value: int
    y: float


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    gridlines: list[Gridline]
    total: int
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: int = WIDTH - RIGHT

    @property
    def is_empty(self) -> bool:
        return self.total == 0


def _nice_step(value: float) -> int:
    """The smallest 1/2/5 x 10^n at or above `value`, so gridlines land on round numbers."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return int(step * magnitude)
    return 10 * magnitude


def build_chart(daily: list[tuple[date, int]]) -> Chart:
    """Bars for (day, calls) pairs, oldest first, scaled into the chart's plot area."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    peak = max((calls for _, calls in daily), default=0)
    top = 4 * _nice_step(peak / 4)
    slot = plot_w / max(1, len(daily))
    gap = max(1.0, slot * 0.22)
    bars = []
    for i, (day, calls) in enumerate(daily):
        h = 0.0 if not calls else max(1.5, plot_h * calls / top)
        bars.append(Bar(day=day, calls=calls, x=round(LEFT + i * slot + gap / 2, 2),
                        y=round(TOP + plot_h - h, 2), width=round(slot - gap, 2), height=round(h, 2),
                        label=(len(daily) - 1 - i) % 7 == 0))
    gridlines = [Gridline(value=round(top * k / 4), y=round(TOP + plot_h - plot_h * k / 4, 2)) for k in range(5)]
    return Chart(bars=bars, gridlines=gridlines, total=sum(c for _, c in daily), peak=peak)
