"""Where the portal may fetch a tenant-supplied URL from (issuer discovery, JWKS, IdP metadata).

A tenant admin types these URLs, so an unchecked fetch would let them make the portal call its own
network (cloud metadata at 169.254.169.254, an internal 10.x service): server-side request forgery.
Addresses that are private, link-local, reserved, multicast or unspecified are refused; loopback only
when the URL names a loopback host itself (an IdP on this machine, as in development and tests).
The check resolves the name before the request; a DNS answer that changes in between (rebinding)
is not covered here and is for the network's egress rules.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from flask_babel import gettext

from app.services.errors import SsoRefused


def _loopback_name(host: str) -> bool:
    from app.services.sso.checks import is_loopback

    return is_loopback(host)


def ensure_public_destination(url: str) -> None:
    """Raise `SsoRefused` (code `sso_destination_refused`) unless `url` may be fetched."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError, UnicodeError):
        raise SsoRefused(gettext("%(value)s cannot be resolved.", value=repr(host or url)), code="sso_destination_refused") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if address.is_loopback:
            if _loopback_name(host):
                continue
        elif not (address.is_private or address.is_link_local or address.is_reserved or address.is_multicast
                  or address.is_unspecified):
            continue
        raise SsoRefused(gettext("%(host)s resolves to %(address)s, an address on the portal's own network; identity providers must be reachable on the internet.", host=host, address=address), code="sso_destination_refused")
