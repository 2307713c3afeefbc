"""What the admin pages show of support access: the tenant page's panel, the overview's break-glass
flag, the banner's grant. Apart from the routes (`support_access.py`), so the tenant page can use it
without an import cycle."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from app.services import support_access
from app.web.admin import bp
from app.web.admin.forms import ActionForm, BreakGlassForm, SupportAccessRequestForm


def support_access_panel(tenant, forms: dict) -> dict:
    """What `admin/_support_access.html` needs besides `tenant` (show_tenant passes it)."""
    admin = current_user._get_current_object()
    return {"support_grant": support_access.active_grant(tenant, admin),
            "support_grants": support_access.requests_of(tenant, admin),
            "support_status": support_access.effective_status,
            "support_level_text": support_access.level_text,
            "support_status_text": support_access.status_text,
            "support_request_form": forms.get("support_request_form") or SupportAccessRequestForm(formdata=None, prefix="support"),
            "break_glass_form": forms.get("break_glass_form") or BreakGlassForm(formdata=None, prefix="glass"),
            "support_open_form": ActionForm(formdata=None),
            "break_glass_minutes": max(support_access.MIN_MINUTES, min(current_app.config["IMPERSONATION_MAX_MINUTES"],
                                                                       support_access.BREAK_GLASS_MAX_MINUTES))}


@bp.app_template_global()
def break_glass_grants():
    """Recent break-glass access, flagged on the admin overview."""
    return support_access.recent_break_glass()


@bp.app_template_global()
def support_session() -> dict | None:
    """The support-access grant this browser is viewing under (level, expiry), for the banner."""
    from datetime import datetime

    from flask import session

    if not session.get("impersonator_id") or not session.get("support_grant_id"):
        return None
    try:
        until = datetime.fromisoformat(session.get("support_expires_at") or "")
    except ValueError:
        until = None
    return {"level": support_access.level_text(session.get("support_level") or ""), "until": until,
            "read_only": session.get("support_level") == "read_only"}
