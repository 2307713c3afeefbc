"""Signing in through a tenant's identity provider: start, come back, land on the dashboard.

Every way in ends in `complete_sign_in(user, method=<protocol>, tenant=...)`, the one sign-in finish
(server-side session). OIDC and SAML sign-ins count as the second factor (the IdP owns the
credential and its MFA); an LDAP bind is a password and does not. Refusals are audited by the
services (`security.sso_refused`) and shown on a plain page that says what to do.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from app.extensions import limiter
from app.models import SsoConnection
from app.models.types import utcnow
from app.services import tenants
from app.services.errors import DomainError, QuotaExceeded, SsoRefused
from app.services.sso import connections, ldap, oidc, provisioning
from app.web.auth.sign_in import complete_sign_in
from app.web.redirects import safe_next
from app.web.sso import bp
from app.web.sso.forms import LdapSignInForm

PENDING_KEY = "sso_pending"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


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


@bp.get("/sso/<tenant_slug>")
def choose(tenant_slug: str):
    """The direct link a tenant hands out: its connections (straight to the IdP when there is one)."""
    tenant = tenants.find_tenant(tenant_slug)
    if tenant is None or tenant.is_deleted:
        abort(404)
    usable = connections.usable_connections(tenant)
    next_path = safe_next(request.args.get("next"))
    if len(usable) == 1:
        return redirect(url_for("sso.start", connection_id=usable[0].id, next=next_path))
    return render_template("sso/choose.html", tenant=tenant, connections=usable, next=next_path), \
        (200 if usable else 404)


@bp.get("/sso/start/<connection_id>")
def start(connection_id: str):
    connection = _connection_or_404(connection_id)
    next_path = safe_next(request.args.get("next"))
    try:
        provisioning.check_tenant_admits(connection)
    except DomainError as exc:
        provisioning.refuse(connection, exc, ip=request.remote_addr)
        raise exc from None
    if connection.protocol == "ldap":
        return redirect(url_for("sso.ldap_sign_in", connection_id=connection.id, next=next_path))
    if connection.protocol == "saml":
        from app.web.sso.saml_flow import start_saml

        return start_saml(connection, next_path)
    try:
        url, pending = oidc.begin(connection, redirect_uri(connection))
    except SsoRefused as exc:
        return _refused(connection, provisioning.refuse(connection, exc, ip=request.remote_addr))
    session[PENDING_KEY] = {**pending, "next": next_path}
    return redirect(url)


@bp.get("/sso/oidc/callback")
def oidc_callback():
    # One use only: whatever happens next, this browser's pending sign-in is spent.
    pending = session.pop(PENDING_KEY, None)
    connection = connections.find_connection((pending or {}).get("connection_id") or "")
    if connection is None or pending.get("protocol") != "oidc":
        exc = SsoRefused("This sign-in was not started in this browser, or it was already used. Start again.",
                         code="oidc_state_mismatch")
        return _refused(None, provisioning.refuse(None, exc, ip=request.remote_addr))
    try:
        person = oidc.finish(connection, pending, request.args.to_dict(), redirect_uri(connection), now=utcnow())
    except SsoRefused as exc:
        return _refused(connection, provisioning.refuse(connection, exc, ip=request.remote_addr))
    try:
        user = provisioning.sign_in(connection, person, ip=request.remote_addr)
    except (SsoRefused, QuotaExceeded) as exc:
        return _refused(connection, exc)
    return _land(connection, user, (pending or {}).get("next"))


@bp.route("/sso/ldap/<connection_id>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def ldap_sign_in(connection_id: str):
    connection = _connection_or_404(connection_id)
    if connection.protocol != "ldap":
        abort(404)
    form = LdapSignInForm()
    next_path = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            provisioning.check_tenant_admits(connection)
            person = ldap.authenticate(connection, form.username.data, form.password.data)
        except SsoRefused as exc:
            provisioning.refuse(connection, exc, ip=request.remote_addr, details={"username": form.username.data[:128]})
            form.password.errors.append(exc.message)
        except DomainError as exc:
            provisioning.refuse(connection, exc, ip=request.remote_addr)
            raise exc from None
        else:
            try:
                user = provisioning.sign_in(connection, person, ip=request.remote_addr)
            except (SsoRefused, QuotaExceeded) as exc:
                return _refused(connection, exc)
            return _land(connection, user, next_path)
    status = 422 if request.method == "POST" else 200
    return render_template("sso/ldap.html", form=form, connection=connection, next=next_path), status
