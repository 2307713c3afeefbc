"""Locale and time zone of the page: the signed-in user's own choice, else the current tenant's
settings, else the browser's language (and UTC).

Outside a request (emails sent from the CLI or a test), the default locale and UTC apply.
"""

from __future__ import annotations

from flask import has_request_context, request

from app.tenancy.context import get_current_tenant

SUPPORTED = ("en", "zh")


def _personal(attribute: str) -> str | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    return getattr(current_user, attribute, None) if current_user and current_user.is_authenticated else None


def select_locale() -> str:
    if _personal("locale") in SUPPORTED:
        return _personal("locale")
    tenant = get_current_tenant()
    if tenant is not None and tenant.config and tenant.config.locale in SUPPORTED:
        return tenant.config.locale
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(SUPPORTED) or "en"


def select_timezone() -> str:
    if _personal("timezone"):
        return _personal("timezone")
    tenant = get_current_tenant()
    if tenant is not None and tenant.config and tenant.config.timezone:
        return tenant.config.timezone
    return "UTC"
