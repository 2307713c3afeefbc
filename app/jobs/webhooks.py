"""Webhook jobs: fan an outbox event out to its endpoints, deliver one, and sweep the outbox."""

from __future__ import annotations

from app.jobs.registry import every, task
from app.services import webhooks


@task("webhooks.fan_out", max_retries=5, backoff=10, backoff_max=600)
def fan_out(event_id: str) -> None:
    webhooks.fan_out(event_id)


@task("webhooks.deliver", max_retries=webhooks.MAX_RETRIES, backoff=webhooks.BACKOFF,
      backoff_max=webhooks.BACKOFF_MAX)
def deliver(delivery_id: int) -> None:
    webhooks.deliver(delivery_id)


@task("webhooks.sweep", schedule=every(60), max_retries=0)
def sweep() -> None:
    webhooks.sweep_outbox()
