"""Billing's scheduled step: the lifecycle tick (app/billing/lifecycle.py), idempotent by design."""

from __future__ import annotations

import logging
from datetime import timedelta

from app.billing import lifecycle
from app.jobs.registry import every, task

log = logging.getLogger(__name__)


@task("billing.tick", schedule=every(timedelta(hours=1)))
def tick() -> None:
    report = lifecycle.tick()
    if report.transitions or report.invoices or report.purged:
        log.info("billing tick: %d transition(s), %d invoice(s), %d purge(s)", len(report.transitions),
                 report.invoices, len(report.purged))
