"""Checks every protocol's settings share: collected field errors, IdP URLs, the outbound HTTP timeout.

Their own module so that connections, oidc and saml can all use them without importing each other.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from app.services.errors import ValidationError

# Plain http is only for identity providers on this machine (local IdPs, the test suite's).
LOOPBACK_HOSTS = frozenset({"localhost"})


def http_timeout() -> float:
    """Seconds to wait for an identity provider (SSO_HTTP_TIMEOUT, default 10)."""
    from flask import current_app, has_app_context

    return float(current_app.config.get("SSO_HTTP_TIMEOUT", 10)) if has_app_context() else 10.0


class FieldErrors:
    """Collects every field's error, so a form or API body hears about all of them at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            first_field, messages = next(iter(self.fields.items()))
            raise ValidationError(messages[0], field=first_field, details={"fields": self.fields})


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(value: str | None, field: str, errors: FieldErrors, what: str = "URL") -> str | None:
    """An https URL, or http on a loopback host. Returns the URL without a trailing slash."""
    url = (value or "").strip()
    if not url:
        errors.add(field, f"The {what} is required.")
        return None
    if len(url) > 500:
        errors.add(field, f"The {what} must be at most 500 characters.")
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        errors.add(field, f"The {what} must be an https:// address.")
        return None
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        errors.add(field, f"The {what} must use https:// (plain http only for 127.0.0.1 or localhost).")
        return None
    if parts.query or parts.fragment:
        errors.add(field, f"The {what} must not have a query or fragment.")
        return None
    return url.rstrip("/")
