"""`flask usage ...`: API-call counters."""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext, ngettext

from app.services import usage


@click.group("usage")
def usage_group() -> None:
    """API-call counters."""


@usage_group.command("sync")
def sync() -> None:
    """Copy the Redis meter's day counters into the database (for fleet-wide figures).

    Only does something when REDIS_URL is set; run it every minute from cron or a scheduler.
    """
    if not current_app.config.get("REDIS_URL"):
        click.echo(gettext("REDIS_URL is not set: the database is the meter already; nothing to sync."))
        return
    written = usage.sync_redis_to_database()
    click.echo(ngettext("Synced the API-call counters of %(num)s tenant.", "Synced the API-call counters of %(num)s tenants.", written))
