"""`flask apikey ...`: API keys from the command line."""

from __future__ import annotations

import click
from flask_babel import gettext

from app.cli.errors import domain_errors_exit
from app.services import api_keys
from app.services.audit import Actor
from app.services.authority import Authority
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
        raise click.UsageError(gettext("Give exactly one of --platform or --tenant."))
    tenant = None if is_platform else get_tenant(tenant_ref, include_deleted=False)
    key, secret = api_keys.create_key(tenant, name, role, Authority.cli())
    click.echo(secret)
    click.echo(gettext("Key %(id)s (%(key)s) created; store the secret now, it cannot be shown again.", id=key.id, key=key.name), err=True)


@apikey_group.command("list")
@click.option("--tenant", "tenant_ref", help="This tenant's keys (id or slug); platform keys without it.")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked keys.")
@domain_errors_exit
def list_keys(tenant_ref: str | None, include_revoked: bool) -> None:
    """List keys (never their secrets): id, prefix, role, name, last use."""
    tenant = get_tenant(tenant_ref) if tenant_ref else None
    for key in api_keys.list_keys(tenant, include_revoked=include_revoked):
        last_used = key.last_used_at.isoformat(timespec="minutes") if key.last_used_at else "never"
        state = " (revoked)" if key.revoked_at else ""
        click.echo(gettext("%(id)s\t%(prefix)s...\t%(role)s\t%(key)s\tlast used %(last_used)s%(state)s", id=key.id, prefix=key.prefix, role=key.role, key=key.name, last_used=last_used, state=state))


@apikey_group.command("revoke")
@click.argument("key_id")
@click.option("--tenant", "tenant_ref", help="The key's tenant (id or slug); a platform key without it.")
@domain_errors_exit
def revoke(key_id: str, tenant_ref: str | None) -> None:
    """Revoke a key: requests with it are refused from now on."""
    tenant = get_tenant(tenant_ref) if tenant_ref else None
    key = api_keys.revoke_key(tenant, key_id, Actor.cli())
    click.echo(f"Key {key.id} ({key.name}) revoked.")
