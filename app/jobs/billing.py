"""Billing's jobs: the scheduled lifecycle tick (app/billing/lifecycle.py) and a payment provider catching
up with a change (Stripe); both idempotent by design."""

from __future__ import annotations

import logging
from datetime import timedelta

from app.billing import lifecycle
from app.extensions import db
from app.jobs.registry import every, task
from app.models import Tenant

log = logging.getLogger(__name__)


@task("billing.tick", schedule=every(timedelta(hours=1)))
def tick() -> None:
    report = lifecycle.tick()
    if report.transitions or report.invoices or report.purged:
        log.info("billing tick: %d transition(s), %d invoice(s), %d purge(s)", len(report.transitions),
                 report.invoices, len(report.purged))


@task("billing.provider_sync", max_retries=5, backoff=30, backoff_max=1800)
def provider_sync(tenant_id: str) -> None:
    """Stripe catches up with a plan change, cancel or resume (app/billing/stripe_billing.py); idempotent."""
    from app.billing import stripe_billing

    tenant = db.session.get(Tenant, tenant_id)
    if tenant is not None:
        stripe_billing.sync(tenant)
