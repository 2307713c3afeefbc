"""Metered API calls, one row per tenant per UTC day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ApiUsageDaily(db.Model):
    """Calls on one day, and the month's running total up to and including that day.

    Carrying `month_to_date` on the day row lets the quota check and the increment be one
    conditional UPDATE on one row (`... WHERE month_to_date < limit RETURNING`), which is
    atomic under concurrency; the daily `calls` feed the usage chart from the same rows.
    """

    __tablename__ = "api_usage_daily"

    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    month_to_date: Mapped[int] = mapped_column(Integer, default=0)
