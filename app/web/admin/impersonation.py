""""View as owner": sign a platform admin in as a tenant's owner, and back.

The session records who is really at the keyboard (`impersonator_id`) and since when
(`impersonation_started`); `tenancy.principal` turns that into the Actor's
`impersonator_user_id`, so whatever happens meanwhile is audited with both people, and
`Principal.is_platform_admin` is False, so the console is closed until the admin returns.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out

from app.extensions import db
from app.models import SupportAccessGrant, User
from app.models.types import utcnow
from app.services import impersonation, sessions, support_access, tenants
from app.services.errors import DomainError
from app.services.transaction import unit_of_work
from app.web.admin import bp
from app.web.admin.forms import ImpersonateForm
from app.web.admin.tenants import show_tenant
from app.web.auth.sign_in import begin_session, current_session_record, current_session_token
from app.web.rendering import is_htmx

SESSION_KEYS = ("impersonator_id", "impersonation_started", "impersonation_tenant_id", "impersonator_sign_in",
                "impersonation_reason", "support_grant_id", "support_level", "support_expires_at")


@bp.platform("/tenants/<tenant_id>/impersonate", methods=["POST"])
def impersonate(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), ImpersonateForm()
    if not form.validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    admin = current_user._get_current_object()
    try:
        # Never silent (issue 17): under the owners' approval if there is one, else as break-glass
        # access, the owners emailed at once and the visit flagged on the overview.
        grant = support_access.active_grant(tenant, admin)
        owner = impersonation.start(tenant, admin, form.reason.data or "", ip=request.remote_addr, grant=grant)
        if grant is None:
            grant = support_access.break_glass(tenant, admin, reason=form.reason.data,
                                               duration_minutes=break_glass_minutes(), ip=request.remote_addr)
    except DomainError as exc:
        if exc.field == "reason":
            form.reason.errors = [exc.message]
            return show_tenant(tenant, 422, impersonate_form=form)
        flash(exc.message, "danger")
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))
    return begin_viewing(tenant, admin, owner, form.reason.data, grant)


def break_glass_minutes() -> int:
    """How long break-glass access lasts: as long as viewing as the owner always has (IMPERSONATION_MAX_MINUTES)."""
    minutes = current_app.config["IMPERSONATION_MAX_MINUTES"]
    return max(support_access.MIN_MINUTES, min(minutes, support_access.BREAK_GLASS_MAX_MINUTES))


def begin_viewing(tenant, admin, owner, reason: str, grant=None):
    """Sign the browser in as `owner`, remembering the admin (and the support-access grant, if any)."""
    admin_id = admin.id
    # How the admin signed in, to restore on return (the owner's session inherits their second factor).
    own = current_session_record()
    sign_in = {"method": own.method if own else "password", "mfa": bool(own and own.mfa),
               "persistent": bool(own and own.persistent)}
    # A new session of its own: the owner's shares nothing with the admin's, which ends.
    begin_session(owner, method="impersonation", mfa=sign_in["mfa"], impersonator_user_id=admin_id)
    session["impersonator_sign_in"] = sign_in
    session["impersonator_id"] = admin_id
    session["impersonation_started"] = utcnow().isoformat()
    session["impersonation_tenant_id"] = tenant.id
    session["impersonation_reason"] = " ".join((reason or "").split())
    if grant is not None:
        session["support_grant_id"] = grant.id
        session["support_level"] = grant.level
        session["support_expires_at"] = grant.expires_at.isoformat()
    return redirect(url_for("dashboard.index", tenant_slug=tenant.slug))


def _started_at() -> datetime | None:
    try:
        return datetime.fromisoformat(session.get("impersonation_started") or "")
    except ValueError:
        return None


def _return_to_admin(reason: str):
    """End the impersonation (audited) and sign the admin back in on a fresh session."""
    admin = db.session.get(User, session.get("impersonator_id"))
    tenant_id = session.get("impersonation_tenant_id")
    owner = current_user._get_current_object() if current_user.is_authenticated else None
    sign_in = session.get("impersonator_sign_in") or {}
    impersonation.end(session["impersonator_id"], owner, tenant_id, reason,
                      admin_label=admin.email if admin else None, started_at=_started_at(), ip=request.remote_addr)
    if admin is None or admin.is_disabled or not admin.is_platform_admin:
        with unit_of_work():
            sessions.end(current_session_token())
        session.clear()
        return redirect(url_for("auth.login"))
    begin_session(admin, method=str(sign_in.get("method") or "password"), mfa=bool(sign_in.get("mfa")),
                  remember=bool(sign_in.get("persistent")))
    if tenant_id and tenants.find_tenant(tenant_id) is not None:
        return redirect(url_for("admin.tenant_detail", tenant_id=tenant_id))
    return redirect(url_for("admin.overview"))


@bp.signed_in("/impersonation/stop", methods=["POST"])
def stop_impersonation():
    """"Return to admin". Reachable by the impersonated owner's session, which is not an admin's."""
    if not session.get("impersonator_id"):
        return redirect(url_for("home.index"))
    tenant = tenants.find_tenant(session.get("impersonation_tenant_id") or "")
    response = _return_to_admin("returned")
    if response.location != url_for("auth.login"):  # an admin again: say where they are and why
        flash(_("You stopped viewing %(org)s as its owner; you are back in the admin console.", org=tenant.name)
              if tenant else _("You stopped viewing as the owner; you are back in the admin console."), "success")
    return response


def _enforce_time_limit():
    """Before each request: an impersonation older than IMPERSONATION_MAX_MINUTES ends by itself;
    one under a support-access grant lasts as long as the grant, and ends when it expires or an
    owner revokes it."""
    if not session.get("impersonator_id") or request.endpoint in ("static", "admin.stop_impersonation"):
        return None
    max_minutes = current_app.config["IMPERSONATION_MAX_MINUTES"]
    if session.get("support_grant_id"):
        grant = db.session.get(SupportAccessGrant, session["support_grant_id"])
        # Break-glass also keeps the old "view as owner" limit; an approved grant lasts its own time.
        if grant is not None and grant.break_glass and impersonation.has_expired(_started_at(), max_minutes):
            response = _return_to_admin("expired")
            flash(_("Viewing as the owner ended after %(minutes)s minutes.", minutes=max_minutes), "info")
            return _htmx_redirect(response)
        if support_access.is_usable(grant):
            return None
        reason = "revoked" if grant is not None and grant.status == "revoked" else "expired"
        if reason == "expired":
            support_access.expire_due()
        response = _return_to_admin(reason)
        flash(_("Support access ended: an owner revoked it.") if reason == "revoked"
              else _("Support access ended: it expired."), "info")
    elif not impersonation.has_expired(_started_at(), max_minutes):
        return None
    else:
        response = _return_to_admin("expired")
        flash(_("Viewing as the owner ended after %(minutes)s minutes.", minutes=max_minutes), "info")
    return _htmx_redirect(response)


def _htmx_redirect(response):
    if is_htmx():
        response.headers["HX-Redirect"] = response.location
        response.status_code = 200
    return response


def _audit_logout(app: Flask, user, **_extra) -> None:
    """Logging out while viewing as an owner ends the impersonation: say so in the tenant's log."""
    if not session.get("impersonator_id"):
        return
    admin = db.session.get(User, session.get("impersonator_id"))
    impersonation.end(session["impersonator_id"], user, session.get("impersonation_tenant_id"), "logout",
                      admin_label=admin.email if admin else None, started_at=_started_at(),
                      ip=request.remote_addr)
    for key in SESSION_KEYS:
        session.pop(key, None)


def init_impersonation(app: Flask) -> None:
    app.before_request(_enforce_time_limit)
    user_logged_out.connect(_audit_logout, app)
