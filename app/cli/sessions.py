"""`flask sessions purge-expired`: delete expired sign-in sessions (cron, daily)."""

from __future__ import annotations

import click
from flask_babel import gettext

from app.services import sessions


@click.group("sessions")
def sessions_group() -> None:
    """Server-side sign-in sessions."""


@sessions_group.command("purge-expired")
def purge_expired() -> None:
    """Delete expired session records from the database (Redis expires its own)."""
    click.echo(gettext("Purged %(value)s expired session(s).", value=sessions.purge_expired()))
