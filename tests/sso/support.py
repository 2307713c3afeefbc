"""Helpers the SSO tests share: make a connection, walk a sign-in through the real IdP."""

from __future__ import annotations

from app.models import AuditEvent, SsoConnection, Tenant
from app.services.sso import connections
from tests.sso.conftest import CALLBACK, PORTAL, SYSTEM
from tests.sso.idps import sign_in_at_idp


def oidc_connection(tenant: Tenant, issuer: str, client: tuple[str, str], **extra) -> SsoConnection:
    client_id, secret = client
    return connections.create_connection(tenant, {
        "protocol": "oidc", "name": "Acme Login", "issuer": issuer, "client_id": client_id, "client_secret": secret,
        "group_roles": {"portal-admins": "admin"}, **extra}, SYSTEM)


def callback_url(client, connection: SsoConnection, login: str, next_path: str | None = None) -> str:
    """Start at the portal, sign in at the IdP's login page; the callback path the IdP sends back."""
    query = f"?next={next_path}" if next_path else ""
    start = client.get(f"/sso/start/{connection.id}{query}")
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    final = sign_in_at_idp(start.location, login, stop_at=CALLBACK)
    return final.removeprefix(PORTAL)


def oidc_sign_in(client, connection: SsoConnection, login: str, next_path: str | None = None):
    return client.get(callback_url(client, connection, login, next_path))


def refusals(reason: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.query.filter_by(action="security.sso_refused").all()
    return [e for e in events if reason is None or e.details.get("reason") == reason]
