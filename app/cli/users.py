"""`flask create-admin EMAIL`."""

from __future__ import annotations

import click
from flask_babel import gettext

from app.cli.errors import domain_errors_exit
from app.services import accounts
from app.services.audit import Actor


@click.command("create-admin")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The admin's password (prompted for when omitted).")
@click.option("--name", default="", help="Display name.")
@domain_errors_exit
def create_admin(email: str, password: str, name: str) -> None:
    """Create a platform admin (or make an existing user one)."""
    user = accounts.create_platform_admin(email, password, Actor.cli(), name=name)
    click.echo(gettext("Platform admin %(email)s is ready.", email=user.email))
