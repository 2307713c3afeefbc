"""`/admin/`: the fleet at a glance."""

from __future__ import annotations

from flask import render_template

from app.services import fleet, plans, stats
from app.web.admin import bp
from app.web.charts import bar_chart

STATUS_ORDER = ("active", "trial", "suspended", "expired", "deleted")


@bp.platform("/")
def overview():
    fleet_stats = stats.fleet_stats()
    weeks = stats.new_tenants_per_week(12)
    return render_template(
        "admin/overview.html",
        stats=fleet_stats,
        status_order=STATUS_ORDER,
        plans=plans.list_plans(),
        chart=bar_chart([(w.week_start, w.count) for w in weeks], width=640, height=290,
                        margins=(36, 8, 14, 30), bar_ratio=0.64),
        near_quota=fleet.near_quota(limit=10),
    )
