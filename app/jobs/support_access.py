"""Support access (issue 17): grants past their expiry, and requests nobody answered, become expired."""

from __future__ import annotations

from datetime import timedelta

from app.jobs.registry import every, task
from app.services import support_access


@task("support_access.expire", schedule=every(timedelta(minutes=5)))
def expire() -> None:
    support_access.expire_due()
