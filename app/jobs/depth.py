"""How much work is waiting: jobs by status in the database, and messages in the broker's queue."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select

from app.extensions import db
from app.models import Job


def jobs_by_status() -> dict[str, int]:
    """Jobs per status (done ones included until pruned)."""
    rows = db.session.execute(select(Job.status, func.count()).group_by(Job.status))
    return {status: count for status, count in rows}


def broker_queue_length() -> int | None:
    """Messages waiting in the Celery queue (Redis broker: the list's length); None without a broker."""
    url = current_app.config.get("CELERY_BROKER_URL")
    if current_app.config.get("JOBS_BACKEND") != "celery" or not url:
        return None
    if not url.startswith(("redis://", "rediss://")):
        from kombu import Connection

        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1)
            return connection.default_channel.queue_declare(current_app.config["JOBS_QUEUE"], passive=True).message_count
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return int(client.llen(current_app.config["JOBS_QUEUE"]))
    finally:
        client.close()
