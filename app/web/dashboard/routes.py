"""The tenant dashboard: plan and status, quota meters, and API calls over the last 30 days."""

from __future__ import annotations

from datetime import timedelta

from flask import url_for

from app.models.types import utcnow
from app.services import quotas, tenants, usage
from app.tenancy.context import current_tenant
from app.web.charts import bar_chart
from app.web.dashboard import bp
from app.web.rendering import render_page


def trial_days_left(tenant) -> int | None:
    """Whole days until the trial ends (rounded up), or None when the tenant is not on trial."""
    if tenant.status != "trial" or tenant.trial_ends_at is None:
        return None
    seconds = (tenant.trial_ends_at - utcnow()).total_seconds()
    return max(0, -(-int(seconds) // 86400))


@bp.tenant("/", "tenant.read")
def index():
    tenant = current_tenant._get_current_object()
    daily = usage.daily_calls(tenant.id, 30)
    today = utcnow().date()
    return render_page(
        "dashboard/index.html", block="usage",
        report=quotas.quota_report(tenant), seats=quotas.seat_count(tenant.id),
        # Each API-call figure names its period: the meter counts this calendar month (the quota's),
        # the chart the last 30 days.
        month_start=today.replace(day=1), chart_start=today - timedelta(days=29), today=today,
        chart=bar_chart(daily, width=720, height=220, margins=(52, 8, 12, 30), label_every=7),
        tenant_status=tenants.effective_status(tenant), trial_days=trial_days_left(tenant),
        plan_url=url_for("plans.index", tenant_slug=tenant.slug),
    )
