"""/account/two-factor: set up, prove, and turn off two-factor authentication."""

from __future__ import annotations

import segno
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from app.extensions import limiter
from app.services import mfa, sessions
from app.services.errors import DomainError
from app.services.transaction import unit_of_work
from app.tenancy.principal import current_authority
from app.web.account import bp
from app.web.account.forms import ActionForm, CodeForm
from app.web.auth.sign_in import current_session_record, current_session_token, second_factor_rate_key
from app.web.redirects import safe_next
from app.web.rendering import show_error


def _limit() -> str:
    return current_app.config["MFA_RATE_LIMIT"]


def _wrong_code(response) -> bool:
    return response.status_code == 422


# Wrong codes here count against the same per-account budget as at sign-in.
code_attempts = limiter.limit(_limit, key_func=second_factor_rate_key, methods=["POST"], deduct_when=_wrong_code)


def qr_svg(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG QR code (rendered here: no third party sees the seed)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, dark="#111827", light="#ffffff",
                                                omitsize=True)
    return Markup(svg)  # noqa: S704  (segno's own markup; the URI is encoded as modules, not text)


def _next() -> str | None:
    return safe_next(request.args.get("next"))


def _page(status: int = 200, form: CodeForm | None = None, **context):
    user = current_user._get_current_object()
    current = current_session_record()
    enrolment = None if mfa.is_enabled(user) else mfa.pending_enrolment(user)
    return render_template(
        "account/two_factor.html", enabled=mfa.is_enabled(user), session_mfa=bool(current and current.mfa),
        enrolment=enrolment, qr=qr_svg(enrolment.uri) if enrolment else None, form=form or CodeForm(),
        action_form=ActionForm(), recovery_left=mfa.remaining_recovery_codes(user), next=_next(),
        remember_days=mfa.remember_days(), **context), status


@bp.signed_in("/account/two-factor")
def two_factor():
    return _page()


@bp.signed_in("/account/two-factor/setup", methods=["POST"])
def two_factor_setup():
    if ActionForm().validate_on_submit():
        try:
            mfa.begin_enrolment(current_user._get_current_object())
        except DomainError as exc:
            flash(exc.message, "info")
    return redirect(url_for("account.two_factor", next=_next()))


@bp.signed_in("/account/two-factor/confirm", methods=["POST"])
@code_attempts
def two_factor_confirm():
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(current_user._get_current_object(), form.code.data, current_authority())
        except DomainError as exc:
            show_error(form, exc, fallback="code")
        else:
            sessions.satisfy_mfa(current_session_token())
            return render_template("account/recovery_codes.html", codes=codes, first_time=True, next=_next())
    return _page(422, form)


@bp.signed_in("/account/two-factor/verify", methods=["POST"])
@code_attempts
def two_factor_verify():
    """This session was signed in before (or without) a code: prove the second factor now."""
    form = CodeForm()
    if form.validate_on_submit():
        try:
            mfa.verify(current_user._get_current_object(), form.code.data, current_authority())
        except DomainError as exc:
            show_error(form, exc, fallback="code")
        else:
            sessions.satisfy_mfa(current_session_token())
            flash(_("Verified. Thank you."), "success")
            return redirect(_next() or url_for("account.two_factor"))
    return _page(422, form)


@bp.signed_in("/account/two-factor/recovery-codes", methods=["POST"])
@code_attempts
def two_factor_recovery_codes():
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = mfa.regenerate_recovery_codes(current_user._get_current_object(), form.code.data,
                                                  current_authority())
        except DomainError as exc:
            show_error(form, exc, fallback="code")
        else:
            return render_template("account/recovery_codes.html", codes=codes, first_time=False, next=None)
    return _page(422, form, failed="recovery")


@bp.signed_in("/account/two-factor/disable", methods=["POST"])
@code_attempts
def two_factor_disable():
    form = CodeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            mfa.disable(user, form.code.data, current_authority())
        except DomainError as exc:
            show_error(form, exc, fallback="code")
        else:
            # Sessions that passed the factor just removed no longer count as two-factor ones.
            with unit_of_work():
                sessions.end_all(user.id, except_token=current_session_token())
            sessions.set_mfa(current_session_token(), False)
            flash(_("Two-factor authentication is off. Other sessions were signed out."), "info")
            return redirect(url_for("account.two_factor"))
    return _page(422, form, failed="disable")


@bp.signed_in("/account/two-factor/forget-devices", methods=["POST"])
def two_factor_forget_devices():
    if ActionForm().validate_on_submit():
        mfa.forget_devices(current_user._get_current_object(), current_authority())
        flash(_("Remembered devices are forgotten: each asks for a code at its next sign-in."), "success")
    return redirect(url_for("account.two_factor"))
