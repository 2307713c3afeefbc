"""Background jobs: one row per enqueued job, the record a worker claims, retries and closes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow

JOB_STATUSES = ("pending", "running", "retrying", "done", "failed")


class Job(db.Model):
    """A unit of background work, written in the same transaction as the change that asks for it.

    The row is the truth; a broker message only says "look at job N". So a job exists exactly when
    its change committed, survives a broker that was down at commit time (the sweeper publishes it
    later) and a worker that died mid-run (its claim goes stale and is retried).
    """

    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(f"status IN {JOB_STATUSES!r}", name="status_valid"),
        Index("ix_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Not before this moment: set when a failed attempt is scheduled for another try.
    run_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a "run job N" message was last handed to the broker (or the job run inline): the
    # sweeper hands it over again only when a try is due and no message for it can be in flight.
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The request that asked for the job: its log records carry the same request id.
    request_id: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
