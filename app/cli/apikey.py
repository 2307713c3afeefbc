"""`flask apikey ...`: API keys from the command line."""

from __future__ import annotations

import click

from app.cli.errors import domain_errors_exit
from app.services import api_keys
from app.services.audit import Actor
from app.services.tenants import get_tenant


@click.group("apikey")
def apikey_group() -> None:
    """Create and revoke API keys."""


@apikey_group.command("create")
@click.option("--platform", "is_platform", is_flag=True, help="A platform key: can do everything.")
@click.option("--tenant", "tenant_ref", help="Bind the key to this tenant (id or slug).")
@click.option("--role", default="admin", show_default=True, help="The key's role in its tenant.")
@click.option("--name", required=True, help="What the key is for.")
@domain_errors_exit
def create(is_platform: bool, tenant_ref: str | None, role: str, name: str) -> None:
    """Create a key and print its secret (shown this once only)."""
    if is_platform == bool(tenant_ref):
        raise click.UsageError("Give exactly one of --platform or --tenant.")
    tenant = None if is_platform else get_tenant(tenant_ref, include_deleted=False)
    key, secret = api_keys.create_key(tenant, name, role, Actor.cli(), acting_role=None)
    click.echo(secret)
    click.echo(f"Key {key.id} ({key.name}) created; store the secret now, it cannot be shown again.", err=True)
