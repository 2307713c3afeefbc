"""OpenID Connect, authorization code flow with PKCE (Authlib's client, joserfc for the ID token).

Checked on the way back: `state` (bound to the browser session), `iss` on the authorization
response (RFC 9207, the mix-up defence), then the ID token's signature (a key of the issuer's
JWKS, asymmetric algorithms only: never `none`, never HMAC), `iss`, `aud`/`azp`, `exp`, `iat`
and `nonce`.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask_babel import gettext
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from app.models import SsoConnection
from app.services.errors import SsoRefused, ValidationError
from app.services.sso.checks import FieldErrors, check_url, http_timeout
from app.services.sso.connections import client_secret
from app.services.sso.egress import ensure_public_destination
from app.services.sso.identity import VerifiedIdentity

ALLOWED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
CLOCK_SKEW_SECONDS = 120
SCOPES = "openid email profile"


def _timeout() -> float:
    return http_timeout()


def _get_json(url: str, what: str) -> dict:
    ensure_public_destination(url)
    try:
        response = requests.get(url, timeout=_timeout(), headers={"Accept": "application/json"},
                                allow_redirects=False)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SsoRefused(gettext("The identity provider's %(what)s could not be read (%(error)s).", what=what, error=exc.__class__.__name__),
                         code="oidc_provider_unreachable") from None
    if not isinstance(body, dict):
        raise SsoRefused(gettext("The identity provider's %(what)s is not a JSON object.", what=what), code="oidc_provider_invalid")
    return body


def discover(issuer: str) -> dict:
    """The issuer's metadata (`/.well-known/openid-configuration`), which must name the same issuer."""
    metadata = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration", gettext("discovery document"))
    if metadata.get("issuer") != issuer:
        raise SsoRefused(gettext("The discovery document names the issuer %(value)s, not %(issuer)s.", value=repr(metadata.get('issuer')), issuer=repr(issuer)),
                         code="oidc_issuer_mismatch")
    errors = FieldErrors()
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        check_url(metadata.get(key), key, errors, key.replace("_", " "))
    if errors.fields:
        raise SsoRefused(gettext("The discovery document is unusable: %(fields)s", fields=errors.fields), code="oidc_provider_invalid")
    return metadata


def check_issuer_reachable(issuer: str) -> None:
    """For the connection form: `ValidationError` on `issuer` unless discovery works."""
    try:
        discover(issuer)
    except SsoRefused as exc:
        raise ValidationError(exc.message, field="issuer", code="issuer_unreachable") from None


def begin(connection: SsoConnection, redirect_uri: str) -> tuple[str, dict]:
    """The authorization URL to send the browser to, and what to keep in its session until it returns."""
    settings = connection.settings
    metadata = discover(settings["issuer"])
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(48)
    client = OAuth2Session(settings["client_id"], scope=SCOPES, redirect_uri=redirect_uri,
                           code_challenge_method="S256")
    url, _ = client.create_authorization_url(metadata["authorization_endpoint"], state=state,
                                             code_verifier=verifier, nonce=nonce)
    assert create_s256_code_challenge(verifier) in url
    pending = {"connection_id": connection.id, "protocol": "oidc", "state": state, "nonce": nonce,
               "verifier": verifier}
    return url, pending


def finish(connection: SsoConnection, pending: dict | None, args: dict[str, str], redirect_uri: str,
           now: datetime) -> VerifiedIdentity:
    """Check the authorization response, redeem the code, verify the ID token: the person it names."""
    settings = connection.settings
    issuer = settings["issuer"]
    if not pending or pending.get("connection_id") != connection.id or not hmac.compare_digest(
            str(args.get("state") or ""), str(pending.get("state") or "")):
        raise SsoRefused(gettext("This sign-in was not started in this browser, or it was already used. Start again."),
                         code="oidc_state_mismatch")
    metadata = discover(issuer)
    returned_issuer = args.get("iss")
    if returned_issuer is not None and returned_issuer != issuer:
        raise SsoRefused(gettext("The answer came from %(returned_issuer)s, not from this connection's issuer.", returned_issuer=repr(returned_issuer)),
                         code="oidc_issuer_mixup")
    if returned_issuer is None and metadata.get("authorization_response_iss_parameter_supported"):
        raise SsoRefused(gettext("The answer does not name its issuer, although the provider always does."),
                         code="oidc_issuer_mixup")
    if args.get("error"):
        raise SsoRefused(gettext("The identity provider refused the sign-in: %(value)s.", value=str(args.get('error'))[:100]),
                         code="oidc_provider_error")
    code = args.get("code")
    if not code:
        raise SsoRefused(gettext("The identity provider's answer has no authorization code."), code="oidc_no_code")
    client = OAuth2Session(settings["client_id"], client_secret(connection), redirect_uri=redirect_uri,
                           token_endpoint_auth_method="client_secret_basic",  # noqa: S106  (a method name)
                           default_timeout=_timeout())
    try:
        token = client.fetch_token(metadata["token_endpoint"], grant_type="authorization_code", code=code,
                                   code_verifier=pending["verifier"], redirect_uri=redirect_uri)
    except Exception as exc:  # Authlib raises its own OAuthError, requests' errors, ValueError for bad JSON
        raise SsoRefused(gettext("The identity provider did not redeem the code (%(value)s).", value=str(exc)[:120]),
                         code="oidc_token_error") from None
    raw = token.get("id_token")
    if not raw:
        raise SsoRefused(gettext("The identity provider sent no ID token."), code="oidc_no_id_token")
    claims = verify_id_token(raw, lambda: _get_json(metadata["jwks_uri"], gettext("key set")), issuer=issuer,
                             client_id=settings["client_id"], nonce=pending.get("nonce"), now=now)
    return identity_from_claims(claims, settings)


def verify_id_token(raw: str, fetch_jwks, *, issuer: str, client_id: str, nonce: str | None,
                    now: datetime) -> dict[str, Any]:
    """The ID token's claims once every check holds, else `SsoRefused` naming the failed check.

    `fetch_jwks()` returns the issuer's JWKS (a dict).
    """
    header = _header(raw)
    algorithm = header.get("alg")
    if algorithm not in ALLOWED_ALGORITHMS:
        raise SsoRefused(gettext("The ID token is signed with %(algorithm)s; only asymmetric signatures are accepted.", algorithm=repr(algorithm)),
                         code="oidc_bad_algorithm")
    try:
        keys = KeySet.import_key_set(fetch_jwks())
        token = jwt.decode(raw, keys, algorithms=list(ALLOWED_ALGORITHMS))
    except SsoRefused:
        raise
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise SsoRefused(gettext("The ID token's signature does not verify with the issuer's keys (%(error)s).", error=exc.__class__.__name__),
                         code="oidc_bad_signature") from None
    claims = dict(token.claims)
    if claims.get("iss") != issuer:
        raise SsoRefused(gettext("The ID token was issued by %(value)s, not %(issuer)s.", value=repr(claims.get('iss')), issuer=repr(issuer)), code="oidc_bad_issuer")
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
        raise SsoRefused(gettext("The ID token is meant for another application."), code="oidc_bad_audience")
    moment = now.timestamp()
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or exp + CLOCK_SKEW_SECONDS <= moment:
        raise SsoRefused(gettext("The ID token has expired."), code="oidc_expired")
    if isinstance(iat, int | float) and iat - CLOCK_SKEW_SECONDS > moment:
        raise SsoRefused(gettext("The ID token is dated in the future."), code="oidc_not_yet_valid")
    if not nonce or not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise SsoRefused(gettext("The ID token's nonce does not match this sign-in (missing, or from another one)."),
                         code="oidc_bad_nonce")
    if not claims.get("sub"):
        raise SsoRefused(gettext("The ID token names no subject."), code="oidc_no_subject")
    return claims


def _header(raw: str) -> dict:
    import base64
    import json

    try:
        segment = raw.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        raise SsoRefused(gettext("The ID token is not a JWT."), code="oidc_bad_signature") from None
    if not isinstance(header, dict):
        raise SsoRefused(gettext("The ID token is not a JWT."), code="oidc_bad_signature")
    return header


def identity_from_claims(claims: dict, settings: dict) -> VerifiedIdentity:
    email = claims.get(settings.get("email_claim") or "email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused(gettext("The identity provider sent no email address for this person."), code="sso_no_email")
    if claims.get("email_verified") is False:
        raise SsoRefused(gettext("The identity provider says this email address is not verified."),
                         code="sso_email_unverified")
    groups_claim = settings.get("groups_claim")
    groups = claims.get(groups_claim) if groups_claim else None
    groups = tuple(str(g) for g in groups) if isinstance(groups, list) else ()
    return VerifiedIdentity(subject=str(claims["sub"]), email=email, name=str(claims.get("name") or ""),
                            groups=groups)
