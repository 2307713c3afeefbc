"""Locale and time zone of the page or API answer.

The language, in order: the person's own choice (their account setting, or for a signed-out visitor
the footer switcher, kept in the session), the current organisation's language, the browser's
`Accept-Language`, English. JSON API answers follow `Accept-Language` only: an integration reads
its errors in the language it asks for, whatever the organisation's portal speaks.

Stored choices are the short codes of `services.languages.SUPPORTED_LOCALES` (`zh`); Babel gets the
full locale (`zh_Hans`: Simplified script, Chinese number and money conventions), whose catalogue
lives in `app/translations/zh_Hans/` (gettext finds it as `zh_Hans`, WTForms' own as `zh`).

Outside a request (emails sent from the CLI or a job), the default locale and UTC apply unless the
caller forces one (`services.emails` renders each email in its recipient's language).
"""

from __future__ import annotations

import os

from flask import has_request_context, request, session
from flask_babel import get_locale

from app.services.languages import BABEL_LOCALES, HTML_LANG, SUPPORTED_LOCALES, code_of
from app.tenancy.context import get_current_tenant

SUPPORTED = tuple(SUPPORTED_LOCALES)
SESSION_KEY = "locale"

# `Accept-Language: zh-CN, zh-Hans, zh-SG, zh` all mean Simplified Chinese here; zh-TW and zh-HK are
# Traditional, which the portal does not speak, so they fall through to the next language the browser
# lists (or English).
_BROWSER_TAGS = {"en": "en", "zh": "zh", "zh-cn": "zh", "zh-hans": "zh", "zh-sg": "zh", "zh-hans-cn": "zh"}


def _personal(attribute: str) -> str | None:
    if not has_request_context():
        return None
    from flask_login import current_user

    return getattr(current_user, attribute, None) if current_user and current_user.is_authenticated else None


def _signed_in() -> bool:
    from flask_login import current_user

    return bool(current_user and current_user.is_authenticated)


def browser_language() -> str | None:
    """The first language of `Accept-Language` that the portal speaks, by its quality order."""
    if not has_request_context():
        return None
    for tag, _quality in request.accept_languages:
        tag = tag.lower()
        if tag in _BROWSER_TAGS:
            return _BROWSER_TAGS[tag]
        primary = tag.split("-", 1)[0]
        if primary == "en":
            return "en"
    return None


def environment_language() -> str:
    """Outside a request (CLI commands), the terminal's language: `LANG=zh_CN.UTF-8 flask ...` speaks
    Chinese. Jobs render what people read with an explicit language (emails: their reader's)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = (os.environ.get(name) or "").lower().replace("-", "_")
        if value:
            primary = value.split(".", 1)[0]
            if primary in ("zh", "zh_cn", "zh_sg", "zh_hans", "zh_hans_cn"):
                return "zh"
            return "en"
    return "en"


def chosen_language() -> str:
    """The short code (`en`, `zh`) this request speaks."""
    if not has_request_context():
        return environment_language()
    if has_request_context() and request.path.startswith("/api/"):
        return browser_language() or "en"
    if _personal("locale") in SUPPORTED:
        return _personal("locale")
    if has_request_context() and not _signed_in() and session.get(SESSION_KEY) in SUPPORTED:
        return session[SESSION_KEY]  # a signed-out visitor's footer choice; signed in, the profile holds it
    tenant = get_current_tenant()
    if tenant is not None and tenant.config and tenant.config.locale in SUPPORTED:
        return tenant.config.locale
    return browser_language() or "en"


def select_locale() -> str:
    return BABEL_LOCALES[chosen_language()]


def html_lang() -> str:
    """`<html lang>` for the page: a BCP 47 tag (`zh-Hans`), not Babel's `zh_Hans`."""
    return HTML_LANG[code_of(get_locale())]


def select_timezone() -> str:
    if _personal("timezone"):
        return _personal("timezone")
    tenant = get_current_tenant()
    if tenant is not None and tenant.config and tenant.config.timezone:
        return tenant.config.timezone
    return "UTC"
