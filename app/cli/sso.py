"""`flask sso ...`: the platform's side of single sign-on (break-glass, switching connections off)."""

from __future__ import annotations

import click
from flask_babel import gettext

from app.cli.errors import domain_errors_exit
from app.services.audit import Actor
from app.services.errors import NotFound
from app.services.sso import connections, enforcement
from app.services.tenants import get_tenant


@click.group("sso")
def sso_group() -> None:
    """Single sign-on: lift a tenant's requirement, switch a connection off or on."""


@sso_group.command("lift-requirement")
@click.argument("tenant_ref")
@click.option("--reason", required=True, help="Why (kept in the audit trail), e.g. the support ticket.")
@domain_errors_exit
def lift_requirement(tenant_ref: str, reason: str) -> None:
    """Break-glass: let TENANT's members sign in with a password again (audited)."""
    tenant = get_tenant(tenant_ref, include_deleted=False)
    enforcement.lift_requirement(tenant, Actor.cli(), reason)
    click.echo(gettext("%(slug)s: single sign-on is no longer required.", slug=tenant.slug))


@sso_group.command("disable-connection")
@click.argument("connection_id")
@click.option("--enable", is_flag=True, help="Switch it back on instead.")
@domain_errors_exit
def disable_connection(connection_id: str, enable: bool) -> None:
    """Switch a connection off for its tenant (tenant admins cannot switch it back on)."""
    connection = connections.find_connection(connection_id)
    if connection is None:
        raise NotFound(gettext("Connection not found."), code="sso_connection_not_found")
    connections.set_platform_disabled(connection, not enable, Actor.cli())
    click.echo(gettext("%(id)s (%(connection)s): %(value)s by the platform.", id=connection.id, connection=connection.name, value='on' if enable else 'off'))
