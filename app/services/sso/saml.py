"""SAML 2.0, as the service provider (python3-saml): SP-initiated, HTTP-Redirect out, HTTP-POST back.

Required of every response: a signed assertion (by a certificate from the IdP's metadata; an
unsigned one, one signed by another key, or a signature wrapping a second assertion is refused by
python3-saml's strict mode), our audience, our ACS as recipient and destination, an unexpired
`NotOnOrAfter`, `InResponseTo` naming the request this browser started, and an assertion ID never
seen before (kept in `saml_assertions_seen` until it expires).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import requests
from flask_babel import gettext
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants as Saml
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import SamlAssertionSeen, SsoConnection
from app.services.errors import SsoRefused
from app.services.sso.checks import FieldErrors, check_url, http_timeout
from app.services.sso.identity import VerifiedIdentity

MAX_METADATA_BYTES = 1024 * 1024
EMAIL_ATTRIBUTES = ("email", "mail", "emailaddress", "urn:oid:0.9.2342.19200300.100.1.3",
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress")
NAME_ATTRIBUTES = ("name", "displayName", "cn", "urn:oid:2.16.840.1.113730.3.1.241",
                   "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")
GROUP_ATTRIBUTES = ("groups", "memberOf", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups")


def _fetch_metadata(url: str) -> str:
    from app.services.sso.egress import ensure_public_destination

    try:
        ensure_public_destination(url)
    except SsoRefused as exc:
        raise ValueError(exc.message) from None
    try:
        response = requests.get(url, timeout=http_timeout(), allow_redirects=False, stream=True)
        response.raise_for_status()
        body = response.raw.read(MAX_METADATA_BYTES + 1, decode_content=True)
    except requests.RequestException as exc:
        raise ValueError(f"it could not be fetched ({exc.__class__.__name__})") from None
    if len(body) > MAX_METADATA_BYTES:
        raise ValueError("it is larger than 1 MiB")
    return body.decode("utf-8", "replace")


def parse_idp_metadata(xml: str) -> dict:
    """The IdP's entity ID, HTTP-Redirect sign-on URL and signing certificates, or ValueError."""
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(xml)
    except Exception as exc:  # lxml and python3-saml raise a variety of errors for bad XML
        raise ValueError(f"it is not SAML metadata ({exc.__class__.__name__})") from None
    idp = parsed.get("idp") or {}
    certs = list((idp.get("x509certMulti") or {}).get("signing") or []) or ([idp["x509cert"]] if idp.get("x509cert")
                                                                          else [])
    sso_url = (idp.get("singleSignOnService") or {}).get("url")
    if not idp.get("entityId") or not sso_url or not certs:
        raise ValueError("it names no entity ID, HTTP-Redirect sign-on service or signing certificate")
    return {"idp_entity_id": idp["entityId"], "idp_sso_url": sso_url, "idp_certs": certs}


def clean_settings(data: dict, errors: FieldErrors, existing: dict | None = None) -> dict:
    """The settings of a SAML connection from `idp_metadata_url` or `idp_metadata_xml` (one of them)."""
    existing = dict(existing or {})
    url_input, xml_input = (data.get("idp_metadata_url") or "").strip(), (data.get("idp_metadata_xml") or "").strip()
    if not url_input and not xml_input:
        if existing.get("idp_entity_id"):
            return existing
        errors.add("idp_metadata_url", "Give the IdP metadata URL, or paste its metadata XML.")
        return {}
    if url_input and xml_input:
        errors.add("idp_metadata_xml", "Give the metadata URL or the XML, not both.")
        return {}
    field = "idp_metadata_url" if url_input else "idp_metadata_xml"
    url = check_url(url_input, field, errors, "metadata URL") if url_input else None
    if url_input and url is None:
        return {}
    try:
        parsed = parse_idp_metadata(_fetch_metadata(url) if url else xml_input)
    except ValueError as exc:
        errors.add(field, f"The IdP metadata cannot be used: {exc}.")
        return {}
    sso_errors = FieldErrors()
    check_url(parsed["idp_sso_url"], field, sso_errors, "IdP sign-on URL")
    for message in sso_errors.fields.get(field, []):
        errors.add(field, message)
    return {**parsed, "idp_metadata_url": url}


def sp_settings(connection: SsoConnection, sp_entity_id: str, acs_url: str) -> dict:
    settings = connection.settings
    return {
        "strict": True,
        "debug": False,
        "sp": {"entityId": sp_entity_id,
               "assertionConsumerService": {"url": acs_url, "binding": Saml.BINDING_HTTP_POST},
               "NameIDFormat": Saml.NAMEID_UNSPECIFIED, "x509cert": "", "privateKey": ""},
        "idp": {"entityId": settings["idp_entity_id"],
                "singleSignOnService": {"url": settings["idp_sso_url"], "binding": Saml.BINDING_HTTP_REDIRECT},
                "x509certMulti": {"signing": settings["idp_certs"]}},
        "security": {"wantAssertionsSigned": True, "wantMessagesSigned": False, "authnRequestsSigned": False,
                     "wantNameId": True, "requestedAuthnContext": False, "rejectDeprecatedAlgorithm": True,
                     "wantAttributeStatement": False, "rejectUnsolicitedResponsesWithInResponseTo": True},
    }


def sp_metadata(connection: SsoConnection, sp_entity_id: str, acs_url: str) -> str:
    """Our metadata for this connection, for the customer's IdP."""
    saml_settings = OneLogin_Saml2_Settings(sp_settings(connection, sp_entity_id, acs_url), sp_validation_only=True)
    return saml_settings.get_sp_metadata().decode() if isinstance(saml_settings.get_sp_metadata(), bytes) \
        else saml_settings.get_sp_metadata()


def _request_data(public_url: str, path: str, post: dict | None = None) -> dict:
    """What python3-saml believes the current request is: our public address, never the Host header."""
    parts = urlsplit(public_url)
    https = parts.scheme == "https"
    return {"https": "on" if https else "off", "http_host": parts.netloc, "script_name": (parts.path or "") + path,
            "get_data": {}, "post_data": post or {}}


def begin(connection: SsoConnection, sp_entity_id: str, acs_url: str, public_url: str, relay_state: str
          ) -> tuple[str, str]:
    """The IdP URL carrying our AuthnRequest, and that request's ID (the response must name it)."""
    auth = OneLogin_Saml2_Auth(_request_data(public_url, urlsplit(acs_url).path),
                               sp_settings(connection, sp_entity_id, acs_url))
    url = auth.login(return_to=relay_state)
    return url, auth.get_last_request_id()


def _attribute(attributes: dict, names: tuple[str, ...]) -> list[str]:
    """The first of `names` the assertion carries, by full name or by its last segment: IdPs spell
    the same attribute "email", "urn:mace:dir:attribute-def:email" or ".../claims/emailaddress"."""
    lowered: dict[str, list] = {}
    for key, values in attributes.items():
        lowered.setdefault(key.lower(), values)
        lowered.setdefault(re.split(r"[:/]", key)[-1].lower(), values)
    for name in names:
        values = lowered.get(name.lower())
        if values:
            return [str(v) for v in values]
    return []


def finish(connection: SsoConnection, saml_response: str | None, request_id: str | None, *, sp_entity_id: str,
           acs_url: str, public_url: str, now: datetime) -> VerifiedIdentity:
    """Validate the IdP's POSTed response; the person it names, or `SsoRefused` saying what failed."""
    if not saml_response:
        raise SsoRefused(gettext("The identity provider sent no SAML response."), code="saml_no_response")
    if not request_id:
        raise SsoRefused(gettext("This sign-in was not started here, or it was already used. Start again."),
                         code="saml_unsolicited")
    auth = OneLogin_Saml2_Auth(_request_data(public_url, urlsplit(acs_url).path, {"SAMLResponse": saml_response}),
                               sp_settings(connection, sp_entity_id, acs_url))
    try:
        auth.process_response(request_id=request_id)
    except Exception as exc:  # malformed base64 / XML surfaces as assorted exceptions
        raise SsoRefused(gettext("The SAML response cannot be read (%(error)s).", error=exc.__class__.__name__),
                         code="saml_invalid") from None
    if auth.get_errors() or not auth.is_authenticated():
        reason = auth.get_last_error_reason() or ", ".join(auth.get_errors()) or "not authenticated"
        raise SsoRefused(gettext("The SAML response was refused: %(reason)s", reason=reason[:200]), code=_code_for(reason))
    assertion_id = auth.get_last_assertion_id()
    expires = auth.get_last_assertion_not_on_or_after()
    _remember_assertion(connection, assertion_id, expires, now)
    attributes = auth.get_attributes()
    emails = _attribute(attributes, EMAIL_ATTRIBUTES)
    name_id = auth.get_nameid() or ""
    email = emails[0] if emails else (name_id if "@" in name_id else "")
    if not email:
        raise SsoRefused(gettext("The identity provider sent no email address for this person."), code="sso_no_email")
    names = _attribute(attributes, NAME_ATTRIBUTES)
    return VerifiedIdentity(subject=name_id or email, email=email, name=names[0] if names else "",
                            groups=tuple(_attribute(attributes, GROUP_ATTRIBUTES)))


def _code_for(reason: str) -> str:
    text = reason.lower()
    if "signature" in text or "signed" in text:
        return "saml_bad_signature"
    if "audience" in text:
        return "saml_bad_audience"
    if "expired" in text or "notonorafter" in text or "no longer valid" in text:
        return "saml_expired"
    if "inresponseto" in text or "in_response_to" in text:
        return "saml_unsolicited"
    if "assertion" in text and ("multiple" in text or "number" in text):
        return "saml_wrapping"
    return "saml_invalid"


def _remember_assertion(connection: SsoConnection, assertion_id: str | None, expires: int | None,
                        now: datetime) -> None:
    """Keep the assertion's ID until it expires; a second use is a replay."""
    if not assertion_id:
        raise SsoRefused(gettext("The SAML assertion has no ID."), code="saml_invalid")
    expires_at = datetime.fromtimestamp(expires, UTC) if expires else now
    session = db.session
    session.execute(delete(SamlAssertionSeen).where(SamlAssertionSeen.expires_at < now))
    session.add(SamlAssertionSeen(assertion_id=assertion_id[:255], connection_id=connection.id,
                                  expires_at=max(expires_at, now)))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise SsoRefused(gettext("This SAML assertion was already used."), code="saml_replay") from None
