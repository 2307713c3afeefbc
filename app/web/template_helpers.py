"""What every template can use: the current tenant and role, permission checks, formatters."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g, has_request_context, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user

from app.services import formatting
from app.services.authority import allows
from app.tenancy.context import get_current_role, get_current_tenant


def _can(permission: str) -> bool:
    """In templates: show a control only when the caller's authority allows it (the route checks again)."""
    authority = g.get("authority")
    if authority is None:
        principal = g.get("principal")
        return principal is not None and principal.is_platform_admin
    return allows(authority, permission)


def _user_tenants():
    from app.tenancy.principal import caller_tenants

    if not current_user or not current_user.is_authenticated:
        return []
    cached = g.get("_user_tenants")
    if cached is None:
        cached = g._user_tenants = caller_tenants()
    return cached


def _dt(value: datetime | None, fmt: str = "medium") -> str:
    """A moment in the tenant's time zone (Flask-Babel's timezone selector)."""
    return format_datetime(value, fmt) if value else "—"


def _d(value, fmt: str = "medium") -> str:
    return format_date(value, fmt) if value else "—"


def _role_label(role: str) -> str:
    """A role's name in the reader's language ("admin" -> "Admin" / "管理员"), for pages and emails."""
    from app.web.members.forms import ROLE_LABELS

    return str(ROLE_LABELS.get(role, role))


def _audit_summary(event) -> str:
    """An audit row's details column: its sentence where the action has one, else its details as pairs."""
    from app.services import audit_text

    if event.action in audit_text.SENTENCES:
        return audit_text.describe(event.action, event.actor_label, event.details)
    return audit_text.detail_pairs(event.details)


def _feature_prompt(key: str):
    """The current tenant's refusal for feature `key` (its message names the plan to move to), or None."""
    from app.services import entitlements
    from app.services.errors import FeatureNotInPlan

    tenant = get_current_tenant()
    if tenant is None:
        return None
    try:
        entitlements.require_feature(tenant, key)
    except FeatureNotInPlan as refusal:
        return refusal
    return None


def _query_fields(url: str, leave_out: str = "page") -> list[tuple[str, str]]:
    """The query parameters of `url` but one, as hidden fields for a GET form (the pager's jump)."""
    from urllib.parse import parse_qsl, urlsplit

    return [(k, v) for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k != leave_out]


def init_template_helpers(app: Flask) -> None:
    # base.html's <html lang> (a BCP 47 tag) and the footer's language switcher.
    from app.billing.money import format_money
    from app.services.audit_text import action_label, actor_text, target_label
    from app.services.labels import email_kind_label, isolation_label, status_label
    from app.services.languages import SUPPORTED_LOCALES
    from app.web.i18n import chosen_language, html_lang

    app.jinja_env.globals.update(
        get_locale=get_locale, html_lang=html_lang, chosen_language=chosen_language,
        supported_locales=SUPPORTED_LOCALES, role_label=_role_label, isolation_label=isolation_label,
        status_label=status_label, email_kind_label=email_kind_label, audit_summary=_audit_summary,
        action_label=action_label, actor_text=actor_text, target_label=target_label,
    )
    app.jinja_env.filters.update(
        query_fields=_query_fields, bytes=formatting.format_bytes, count=formatting.format_count, price=formatting.format_price,
        quantity=lambda n, resource: formatting.format_quantity(resource, n), dt=_dt, d=_d,
        money=lambda cents, currency="USD": format_money(cents, currency),
    )

    @app.context_processor
    def inject() -> dict:
        if not has_request_context():  # emails render outside requests
            return {}
        return {
            "current_tenant": get_current_tenant(),
            "tenant_role": get_current_role(),
            "can": _can,
            "feature_prompt": _feature_prompt,
            "user_tenants": _user_tenants,
            "impersonator_id": session.get("impersonator_id"),
            "impersonation_reason": session.get("impersonation_reason"),
        }
