"""Email delivery: every message the product sends leaves through this job (app/services/emails.py)."""

from __future__ import annotations

from app.jobs.registry import task
from app.services import emails


@task("emails.send", max_retries=emails.MAX_ATTEMPTS - 1, backoff=30, backoff_max=3600)
def send(email_id: int) -> None:
    emails.deliver(email_id)
