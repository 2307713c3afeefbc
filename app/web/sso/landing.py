"""What every SSO flow shares: its public URLs, the refusal page, the landing after a sign-in.

Its own module so the OIDC/LDAP flows and the SAML flow can use it without importing each other.
"""

from __future__ import annotations

from flask import abort, current_app, render_template, url_for
from flask_babel import gettext as _

from app.models import SsoConnection
from app.services.errors import DomainError, QuotaExceeded
from app.services.sso import connections
from app.web.auth.sign_in import complete_sign_in
from app.web.redirects import safe_next


def public_url(endpoint: str, **values) -> str:
    """An absolute URL on the portal's public address (what the customer registers at their IdP)."""
    return current_app.config["PUBLIC_URL"] + url_for(endpoint, **values)


def redirect_uri(connection: SsoConnection | None = None) -> str:
    """One redirect URI for every OIDC connection, so the form can show it before the connection
    exists; the browser's pending sign-in names the connection, and `iss` is checked against it."""
    return public_url("sso.oidc_callback")


def _refused(connection: SsoConnection | None, exc: DomainError):
    message = exc.message
    if isinstance(exc, QuotaExceeded):
        message = _("You could not be added to %(org)s: %(reason)s Ask one of its admins to free a seat.",
                    org=connection.tenant.name if connection else "", reason=exc.message)
    return render_template("sso/refused.html", message=message, code=exc.code, connection=connection), \
        exc.http_status


def _connection_or_404(connection_id: str) -> SsoConnection:
    connection = connections.find_connection(connection_id)
    if connection is None or connection.tenant.is_deleted:
        abort(404)
    return connection


def _land(connection: SsoConnection, user, next_path: str | None):
    return complete_sign_in(user, method=connection.protocol, mfa_satisfied=connection.protocol in ("oidc", "saml"),
                            tenant=connection.tenant,
                            next_url=safe_next(next_path) or url_for("dashboard.index", tenant_slug=connection.tenant.slug))
