"""LDAP: bind as the user against the tenant's directory (ldap3), read their entry and groups.

The person's own credentials do the bind (no service account to store). An empty password is
refused before the directory is asked: many servers treat it as an anonymous bind that "succeeds".
"""

from __future__ import annotations

import ssl

from flask_babel import gettext
from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn

from app.models import SsoConnection
from app.services.errors import SsoRefused
from app.services.sso.identity import VerifiedIdentity

TIMEOUT_SECONDS = 10
MAX_USERNAME = 128


def _server(settings: dict) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED, version=ssl.PROTOCOL_TLS_CLIENT)
    return Server(settings["host"], port=int(settings["port"]), use_ssl=settings["security"] == "ldaps",
                  tls=tls, get_info=NONE, connect_timeout=TIMEOUT_SECONDS)


def authenticate(connection: SsoConnection, username: str | None, password: str | None) -> VerifiedIdentity:
    """The person whose directory password this is, or `SsoRefused` (`ldap_invalid_credentials` ...)."""
    settings = connection.settings
    username = (username or "").strip()
    if not username or not password or len(username) > MAX_USERNAME:
        raise SsoRefused(gettext("Enter your directory username and password."), code="ldap_invalid_credentials")
    user_dn = settings["user_dn_template"].replace("{username}", escape_rdn(username))
    try:
        conn = Connection(_server(settings), user=user_dn, password=password, raise_exceptions=False,
                          receive_timeout=TIMEOUT_SECONDS, read_only=True)
        if not conn.open() and conn.closed:
            raise SsoRefused(gettext("The directory cannot be reached."), code="ldap_unreachable")
        if settings["security"] == "starttls" and not conn.start_tls():
            raise SsoRefused(gettext("The directory refused StartTLS."), code="ldap_tls_failed")
        if not conn.bind():
            raise SsoRefused(gettext("That username and password don't match the directory."),
                             code="ldap_invalid_credentials")
        email_attr, name_attr = settings.get("email_attribute") or "mail", settings.get("name_attribute") or "cn"
        conn.search(user_dn, "(objectClass=*)", search_scope=BASE,
                    attributes=[email_attr, name_attr, "entryUUID"])
        if not conn.entries:
            raise SsoRefused(gettext("Your directory entry cannot be read."), code="ldap_entry_unreadable")
        entry = conn.entries[0].entry_attributes_as_dict
        conn.search(settings["base_dn"], f"(&(objectClass=groupOfNames)(member={escape_filter_chars(user_dn)}))",
                    search_scope=SUBTREE, attributes=["cn"])
        groups = tuple(str(v) for e in conn.entries for v in e.entry_attributes_as_dict.get("cn", []))
        conn.unbind()
    except LDAPException as exc:
        raise SsoRefused(gettext("The directory could not be asked (%(error)s).", error=exc.__class__.__name__),
                         code="ldap_unreachable") from None
    emails = entry.get(email_attr) or []
    if not emails:
        raise SsoRefused(gettext("Your directory entry has no email address."), code="sso_no_email")
    subject = (entry.get("entryUUID") or [user_dn.lower()])[0]
    names = entry.get(name_attr) or [""]
    return VerifiedIdentity(subject=str(subject), email=str(emails[0]), name=str(names[0]), groups=groups)
