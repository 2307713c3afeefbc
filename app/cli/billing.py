"""`flask billing ...`: run the billing lifecycle by hand (cron instead of beat), settle invoices."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from app.billing import lifecycle
from app.services.audit import Actor


@click.group("billing")
def billing_group() -> None:
    """Subscriptions, invoices and the unpaid-tenant lifecycle (docs/billing.md)."""


@billing_group.command("tick")
def tick() -> None:
    """Renew and invoice periods, end trials, dun unpaid tenants and move them along. Safe to repeat."""
    report = lifecycle.tick(actor=Actor.cli())
    for slug, before, after in report.transitions:
        click.echo(f"{slug}: {before} -> {after}")
    click.echo(f"{report.invoices} invoice(s) issued, {report.emails} email(s) queued, "
               f"{len(report.purged)} tenant(s) purged. ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
