"""`flask webhooks ...`: platform-level webhook endpoints (fleet events of every tenant)."""

from __future__ import annotations

import click
from flask_babel import gettext

from app.cli.errors import domain_errors_exit
from app.services import webhooks
from app.services.authority import Authority


@click.group("webhooks")
def webhooks_group() -> None:
    """Platform webhook endpoints: they receive the events of every tenant."""


@webhooks_group.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, required=True, help="An event type (repeat for several).")
@click.option("--description", default="", help="What the endpoint is for.")
@domain_errors_exit
def add(url: str, events: tuple[str, ...], description: str) -> None:
    """Add a platform endpoint and print its signing secret (shown this once only)."""
    endpoint, secret = webhooks.create_endpoint(None, Authority.cli(), url=url, events=list(events),
                                                description=description)
    click.echo(secret)
    click.echo(gettext("Endpoint %(id)s created; store the secret now, it cannot be shown again.", id=endpoint.id),
               err=True)


@webhooks_group.command("list")
def list_endpoints() -> None:
    """The platform endpoints: id, enabled, URL, events."""
    for endpoint in webhooks.list_endpoints(None):
        click.echo(f"{endpoint.id}\t{'on' if endpoint.enabled else 'off'}\t{endpoint.url}\t{','.join(endpoint.events)}")


@webhooks_group.command("delete")
@click.argument("endpoint_id")
@domain_errors_exit
def delete(endpoint_id: str) -> None:
    """Delete a platform endpoint and its delivery log."""
    webhooks.delete_endpoint(None, endpoint_id, Authority.cli())
    click.echo(gettext("Endpoint %(id)s deleted.", id=endpoint_id))
