"""A real SAML 2.0 identity provider for the tests: pysaml2's IdP (signing with xmlsec1), served over
HTTP on 127.0.0.1 with a login page, signing with a key pair generated at start-up.

`response(authn_request, login, ...)` also makes the hostile variants the attack tests need
(unsigned, signed by another key, for another audience, with a wrapped second assertion).
"""

from __future__ import annotations

import base64
import datetime as dt
import threading
from html import escape
from pathlib import Path
from urllib.parse import parse_qs

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.sso.idps import free_port

XMLSEC = "/usr/bin/xmlsec1"
# pysaml2 signs with RSA-SHA1 unless told otherwise, and the portal refuses SHA-1.
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
NS = {"saml": "urn:oasis:names:tc:SAML:2.0:assertion", "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
      "ds": "http://www.w3.org/2000/09/xmldsig#"}


def key_pair(workdir: Path, name: str) -> tuple[Path, Path]:
    """A fresh RSA key and self-signed certificate (PEM files)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"tenantry test {name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256()))
    key_path, cert_path = workdir / f"{name}.key", workdir / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class SamlIdp:
    USERS = {
        "sam": {"email": ["sam@acme.test"], "name": ["Sam Saml"], "groups": ["portal-admins"]},
        "sue": {"email": ["sue@acme.test"], "name": ["Sue Saml"], "groups": []},
    }

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.key, self.cert = key_pair(workdir, "idp")
        self.attacker_key, self.attacker_cert = key_pair(workdir, "attacker")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.base}/metadata"
        self.sp_metadata: dict[str, str] = {}
        self.http = make_server("127.0.0.1", self.port, self._wsgi, threaded=True)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    # The IdP proper --------------------------------------------------------------------------

    def _server(self, signing: str = "idp") -> Server:
        key, cert = (self.key, self.cert) if signing == "idp" else (self.attacker_key, self.attacker_cert)
        config = IdPConfig()
        config.load({
            "entityid": self.entity_id,
            "service": {"idp": {
                "endpoints": {"single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)]},
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None,
                                       "name_form": NAME_FORMAT_BASIC}},
                "want_authn_requests_signed": False,
            }},
            "key_file": str(key), "cert_file": str(cert), "xmlsec_binary": XMLSEC,
            "metadata": {"inline": list(self.sp_metadata.values())},
            "allow_unknown_attributes": True,
        })
        return Server(config=config)

    def metadata(self) -> str:
        return create_metadata_string(None, config=self._server().config, valid=None).decode()

    def trust(self, sp_metadata_xml: str) -> None:
        """Load a service provider's metadata (the portal's, for one connection)."""
        entity_id = etree.fromstring(sp_metadata_xml.encode()).get("entityID")
        self.sp_metadata[entity_id] = sp_metadata_xml

    def response(self, authn_request: str, login: str, *, signing: str = "idp", signed: bool = True,
                 audience: str | None = None, wrap_as: str | None = None) -> tuple[str, str]:
        """(ACS URL, base64 SAMLResponse) answering `authn_request` (HTTP-Redirect encoded) for `login`."""
        server = self._server(signing)
        request = server.parse_authn_request(authn_request, BINDING_HTTP_REDIRECT).message
        acs = request.assertion_consumer_service_url
        sp_entity_id = request.issuer.text
        xml = str(server.create_authn_response(
            dict(self.USERS[login]), in_response_to=request.id, destination=acs,
            sp_entity_id=audience or sp_entity_id, userid=login,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=f"{login}-persistent-id"),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                   "authn_auth": f"{self.base}/login"},
            sign_assertion=signed, sign_response=False, sign_alg=RSA_SHA256, digest_alg=SHA256))
        if wrap_as:
            xml = _wrap(xml, wrap_as)
        return acs, base64.b64encode(xml.encode()).decode()

    # HTTP: the login page a person (or a browser test) goes through ----------------------------

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if request.path == "/metadata":
            response = Response(self.metadata(), mimetype="application/samlmetadata+xml")
        elif request.path == "/sso" and request.method == "GET":
            response = Response(_LOGIN_PAGE.format(request=escape(request.args.get("SAMLRequest", "")),
                                                   relay=escape(request.args.get("RelayState", ""))),
                                mimetype="text/html")
        elif request.path == "/login" and request.method == "POST":
            login = request.form.get("username", "")
            if login not in self.USERS:
                response = Response("Unknown user", status=403)
            else:
                acs, saml_response = self.response(request.form["SAMLRequest"], login)
                response = Response(_POST_PAGE.format(acs=escape(acs), response=escape(saml_response),
                                                      relay=escape(request.form.get("RelayState", ""))),
                                    mimetype="text/html")
        else:
            response = Response("Not found", status=404)
        return response(environ, start_response)

    def stop(self) -> None:
        self.http.shutdown()
        self.thread.join(timeout=10)


def _wrap(signed_xml: str, email: str) -> str:
    """XML signature wrapping: a forged, unsigned assertion for `email` placed before the signed one."""
    root = etree.fromstring(signed_xml.encode())
    signed = root.find("saml:Assertion", NS)
    forged = etree.fromstring(etree.tostring(signed))
    for signature in forged.findall("ds:Signature", NS):
        forged.remove(signature)
    forged.set("ID", "_forged" + signed.get("ID"))
    for value in forged.iter(f"{{{NS['saml']}}}AttributeValue"):
        if "@" in (value.text or ""):
            value.text = email
    forged.find("saml:Subject/saml:NameID", NS).text = "forged-subject"
    signed.addprevious(forged)
    return etree.tostring(root).decode()


_LOGIN_PAGE = """<!doctype html><html lang="en"><head><title>Test IdP sign-in</title></head><body>
<h1>Test SAML IdP</h1>
<form method="post" action="/login">
<input type="hidden" name="SAMLRequest" value="{request}"><input type="hidden" name="RelayState" value="{relay}">
<label for="username">Username</label> <input id="username" name="username">
<button type="submit">Sign in</button></form></body></html>"""

_POST_PAGE = """<!doctype html><html lang="en"><head><title>Signing you in</title></head><body>
<form method="post" action="{acs}" id="saml-post">
<input type="hidden" name="SAMLResponse" value="{response}"><input type="hidden" name="RelayState" value="{relay}">
<button type="submit">Continue</button></form></body></html>"""


def redirect_query(location: str) -> dict[str, str]:
    """SAMLRequest and RelayState from the portal's redirect to the IdP."""
    query = parse_qs(location.split("?", 1)[1])
    return {k: v[0] for k, v in query.items()}


__all__ = ["BINDING_HTTP_POST", "SamlIdp", "redirect_query"]
