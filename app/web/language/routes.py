"""POST /language: switch the portal's language and go back to the page the switch was made on."""

from __future__ import annotations

import contextlib

from flask import redirect, request, session
from flask_login import current_user

from app.services import accounts
from app.services.errors import DomainError
from app.services.languages import SUPPORTED_LOCALES
from app.tenancy.principal import current_authority
from app.web.i18n import SESSION_KEY
from app.web.language import bp
from app.web.redirects import safe_next


@bp.public("/language", methods=["POST"], reason="the language switcher is on signed-out pages too")
def switch():
    code = (request.form.get("locale") or "").strip()
    back = safe_next(request.form.get("next")) or "/"
    if code not in SUPPORTED_LOCALES:
        return redirect(back)
    session[SESSION_KEY] = code
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        # A profile that no longer validates (a name cleared elsewhere) keeps the session's choice only.
        with contextlib.suppress(DomainError):
            accounts.update_profile(user, current_authority(), name=user.name, locale=code, timezone=user.timezone)
    return redirect(back)
