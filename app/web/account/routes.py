"""/account: profile, password and sessions (two-factor is in two_factor.py)."""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import login_manager
from app.services import accounts, mfa, sessions
from app.services.errors import DomainError, PermissionDenied
from app.tenancy.principal import current_authority
from app.web.account import bp
from app.web.account.forms import ActionForm, PasswordForm, ProfileForm
from app.web.auth.sign_in import current_session_record, current_session_token, sign_out
from app.web.devices import describe_device
from app.web.rendering import is_htmx, render_page, show_error


@bp.before_request
def _own_account_only():
    """Signed in, as oneself: an admin viewing as an owner must not change the owner's account."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if session.get("impersonator_id"):
        raise PermissionDenied(gettext("The account page is not available while viewing as an owner."),
                               code="impersonation_refused")
    return None


def _sessions_context() -> dict:
    current = current_session_record()
    listed = sessions.list_sessions(current_user.id)
    return {"user_sessions": listed, "current_session_id": current.id if current else None,
            "describe_device": describe_device, "action_form": ActionForm()}


def _page(profile_form=None, password_form=None, status: int = 200, block: str | None = None,
          oob_blocks: tuple[str, ...] = ()):
    user = current_user._get_current_object()
    profile_form = profile_form or ProfileForm(data={"name": user.name, "locale": user.locale or "",
                                                     "timezone": user.timezone or ""})
    return render_page("account/index.html", block=block, oob_blocks=oob_blocks, status=status,
                       profile_form=profile_form,
                       password_form=password_form or PasswordForm(), mfa_enabled=mfa.is_enabled(user),
                       recovery_left=mfa.remaining_recovery_codes(user), **_sessions_context())


@bp.signed_in("/account")
def index():
    return _page()


@bp.signed_in("/account/profile", methods=["POST"])
def update_profile():
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            accounts.update_profile(current_user._get_current_object(), current_authority(), name=form.name.data,
                                    locale=form.locale.data, timezone=form.timezone.data)
        except DomainError as exc:
            for name, messages in exc.details.get("fields", {exc.field: [exc.message]}).items():
                show_error(form, type(exc)(messages[0], field=name), fallback="name")
        else:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.index"))
    return _page(profile_form=form, status=422)


@bp.signed_in("/account/password", methods=["POST"])
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user._get_current_object(), form.current_password.data,
                                     form.password.data, current_authority(), keep_session_token=current_session_token())
        except DomainError as exc:
            show_error(form, exc, fallback="password")
        else:
            flash(_("Your password is changed. Every other session was signed out."), "success")
            return redirect(url_for("account.index"))
    return _page(password_form=form, status=422)


@bp.signed_in("/account/sessions/<session_id>/end", methods=["POST"])
def end_session(session_id: str):
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(url_for("account.index"))
    current = current_session_record()
    try:
        sessions.end_session(current_user._get_current_object(), session_id, current_authority())
    except DomainError as exc:
        flash(exc.message, "warning")
    else:
        if current is not None and current.id == session_id:
            sign_out()
            flash(_("You are signed out."), "info")
            return _go(url_for("auth.login"))
        flash(_("That session is signed out."), "success")
    return _after_session_change()


@bp.signed_in("/account/sessions/end-others", methods=["POST"])
def end_other_sessions():
    if ActionForm().validate_on_submit():
        ended = sessions.end_other_sessions(current_user._get_current_object(), current_session_token(),
                                            current_authority())
        flash(_("%(count)s other session(s) signed out.", count=ended), "success")
    return _after_session_change()


def _go(target: str):
    if is_htmx():
        return "", 200, {"HX-Redirect": target}
    return redirect(target)


def _after_session_change():
    if is_htmx():
        return _page(block="sessions_card", oob_blocks=("flashes_oob",))
    return redirect(url_for("account.index") + "#sessions")

