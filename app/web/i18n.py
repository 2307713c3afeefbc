"""Locale and time zone of the page: the current tenant's settings, else the browser's language.

Outside a request (emails sent from the CLI or a test), the default locale and UTC apply.
"""

from __future__ import annotations

from flask import has_request_context, request

from app.tenancy.context import get_current_tenant

SUPPORTED = ("en", "zh")


def select_locale() -> str:
    tenant = get_current_tenant()
    if tenant is not None and tenant.config and tenant.config.locale in SUPPORTED:
        return tenant.config.locale
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(SUPPORTED) or "en"


def select_timezone() -> str:
    tenant = get_current_tenant()
    if tenant is not None and tenant.config and tenant.config.timezone:
        return tenant.config.timezone
    return "UTC"
