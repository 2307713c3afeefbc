"""Signing in through a tenant's identity provider: start, come back, land on the dashboard.

Every way in ends in `complete_sign_in(user, method=<protocol>, tenant=...)`, the one sign-in finish
(server-side session). OIDC and SAML sign-ins count as the second factor (the IdP owns the
credential and its MFA); an LDAP bind is a password and does not. Refusals are audited by the
services (`security.sso_refused`) and shown on a plain page that says what to do.
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext

from app.extensions import limiter
from app.models.types import utcnow
from app.services import tenants
from app.services.errors import DomainError, QuotaExceeded, SsoRefused
from app.services.sso import connections, ldap, oidc, provisioning
from app.web.redirects import safe_next
from app.web.sso import bp
from app.web.sso.forms import LdapSignInForm
from app.web.sso.landing import _connection_or_404, _land, _refused, redirect_uri
from app.web.sso.saml_flow import start_saml

PENDING_KEY = "sso_pending"


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.public("/sso/<tenant_slug>", reason="the sign-in page of an organisation: before sign-in, by design")
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


@bp.public("/sso/start/<connection_id>")
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
        return start_saml(connection, next_path)
    try:
        url, pending = oidc.begin(connection, redirect_uri(connection))
    except SsoRefused as exc:
        return _refused(connection, provisioning.refuse(connection, exc, ip=request.remote_addr))
    session[PENDING_KEY] = {**pending, "next": next_path}
    return redirect(url)


@bp.public("/sso/oidc/callback")
def oidc_callback():
    # One use only: whatever happens next, this browser's pending sign-in is spent.
    pending = session.pop(PENDING_KEY, None)
    connection = connections.find_connection((pending or {}).get("connection_id") or "")
    if connection is None or pending.get("protocol") != "oidc":
        exc = SsoRefused(gettext("This sign-in was not started in this browser, or it was already used. Start again."),
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


@bp.public("/sso/ldap/<connection_id>", methods=["GET", "POST"])
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
