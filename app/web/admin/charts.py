"""New tenants per week as plain SVG geometry: the template draws rects and text, nothing inline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.services.stats import WeekCount

WIDTH, HEIGHT = 640, 290
LEFT, RIGHT, TOP, BOTTOM = 36, 8, 14, 30


@dataclass(frozen=True)
class WeekBar:
    week_start: date
    count: int
    x: float
    y: float
    width: float
    height: float

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class WeeklyChart:
    bars: list[WeekBar]
    gridlines: list[tuple[int, float]]
    total: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    baseline: float = HEIGHT - BOTTOM


def _axis_max(peak: int) -> int:
    """A round top for the axis (4, 10, 20, 50, 100, ...), so gridlines fall on whole numbers."""
    if peak <= 4:
        return 4
    magnitude = 10 ** (len(str(peak)) - 1)
    for step in (1, 2, 4, 5, 10):
        if peak <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def weekly_chart(weeks: list[WeekCount]) -> WeeklyChart:
    """Scale week counts into the plot area: one bar per week, oldest on the left."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _axis_max(max((w.count for w in weeks), default=0))
    slot = plot_w / max(1, len(weeks))
    bars = []
    for i, week in enumerate(weeks):
        height = plot_h * week.count / top
        bars.append(WeekBar(week.week_start, week.count, round(LEFT + i * slot + slot * 0.18, 1),
                            round(TOP + plot_h - height, 1), round(slot * 0.64, 1), round(height, 1)))
    gridlines = [(top * k // 4, round(TOP + plot_h - plot_h * k / 4, 1)) for k in range(5)]
    return WeeklyChart(bars, gridlines, sum(w.count for w in weeks))
