"""Copy the Redis meter's counters into the database, for fleet-wide figures."""

from __future__ import annotations

from flask import current_app

from app.jobs.registry import every, task
from app.services import usage


@task("usage.sync", schedule=every(60), max_retries=0)
def sync() -> None:
    if current_app.config.get("REDIS_URL"):
        usage.sync_redis_to_database()
