"""The SAML 2.0 endpoints: SP metadata, the redirect to the IdP, and the assertion consumer service.

The IdP POSTs back from its own site, so the session cookie (SameSite=Lax) does not come along.
The pending sign-in lives server-side under a random RelayState, and a cookie of its own
(SameSite=None and Secure on https) binds it to the browser that started it: another browser
cannot be made to finish it (login CSRF). RelayState is never a URL: `next` was checked when stored.
"""

from __future__ import annotations

import hmac
import secrets

from flask import abort, current_app, make_response, redirect, request
from flask_babel import gettext

from app.extensions import cache, csrf
from app.models import SsoConnection
from app.models.types import utcnow
from app.services.errors import QuotaExceeded, SsoRefused
from app.services.sso import provisioning, saml
from app.web.sso import bp
from app.web.sso.landing import _connection_or_404, _land, _refused, public_url

PENDING_SECONDS = 900  # 15 minutes to sign in at the IdP
COOKIE = "sso_saml"


def _endpoints(connection: SsoConnection) -> dict:
    return {"sp_entity_id": public_url("sso.saml_metadata", connection_id=connection.id),
            "acs_url": public_url("sso.saml_acs", connection_id=connection.id),
            "public_url": current_app.config["PUBLIC_URL"]}


def _pending_key(relay_state: str) -> str:
    return f"sso:saml:pending:{relay_state}"


def start_saml(connection: SsoConnection, next_path: str | None):
    relay_state = secrets.token_urlsafe(32)
    endpoints = _endpoints(connection)
    url, request_id = saml.begin(connection, endpoints["sp_entity_id"], endpoints["acs_url"],
                                 endpoints["public_url"], relay_state)
    cache.set(_pending_key(relay_state), {"connection_id": connection.id, "request_id": request_id,
                                          "next": next_path}, timeout=PENDING_SECONDS)
    response = redirect(url)
    secure = current_app.config["PUBLIC_URL"].startswith("https://")
    response.set_cookie(COOKIE, relay_state, max_age=PENDING_SECONDS, httponly=True, secure=secure,
                        samesite="None" if secure else "Lax",
                        path=f"/sso/saml/{connection.id}/")
    return response


@bp.public("/sso/saml/<connection_id>/metadata")
def saml_metadata(connection_id: str):
    connection = _connection_or_404(connection_id)
    if connection.protocol != "saml":
        abort(404)
    endpoints = _endpoints(connection)
    response = make_response(saml.sp_metadata(connection, endpoints["sp_entity_id"], endpoints["acs_url"]))
    response.mimetype = "application/samlmetadata+xml"
    return response


@bp.public("/sso/saml/<connection_id>/acs", methods=["POST"])
@csrf.exempt  # the IdP's form posts here from its own site; the signed response and RelayState protect it
def saml_acs(connection_id: str):
    connection = _connection_or_404(connection_id)
    if connection.protocol != "saml":
        abort(404)
    relay_state = request.form.get("RelayState") or ""
    pending = cache.get(_pending_key(relay_state)) if relay_state else None
    cookie = request.cookies.get(COOKIE) or ""
    if pending is not None:
        # Spent on first use, whatever happens next.
        cache.delete(_pending_key(relay_state))
    if (pending is None or pending.get("connection_id") != connection.id
            or not hmac.compare_digest(cookie, relay_state)):
        exc = SsoRefused(gettext("This sign-in was not started in this browser, or it was already used. Start again."),
                         code="saml_unknown_relay_state")
        return _refused(connection, provisioning.refuse(connection, exc, ip=request.remote_addr))
    try:
        person = saml.finish(connection, request.form.get("SAMLResponse"), pending["request_id"], now=utcnow(),
                             **_endpoints(connection))
    except SsoRefused as exc:
        return _refused(connection, provisioning.refuse(connection, exc, ip=request.remote_addr))
    try:
        user = provisioning.sign_in(connection, person, ip=request.remote_addr)
    except (SsoRefused, QuotaExceeded) as exc:
        return _refused(connection, exc)
    response = _land(connection, user, pending.get("next"))
    response.delete_cookie(COOKIE, path=f"/sso/saml/{connection.id}/")
    return response
