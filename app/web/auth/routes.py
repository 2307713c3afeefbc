"""Sign up, sign in, sign out, and reset a forgotten password by an emailed link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_block

from app.extensions import limiter
from app.services import accounts, email_verification, mfa
from app.services.audit import Actor, record_now
from app.services.errors import DomainError, SsoRequired
from app.services.signup import sign_up
from app.services.sso import connections as sso_connections
from app.services.sso import enforcement
from app.web.auth import bp
from app.web.auth.forms import ForgotPasswordForm, LoginForm, ResetPasswordForm, SignUpForm, TwoFactorForm
from app.web.auth.sign_in import (
    PENDING_KEY,
    complete_sign_in,
    finish_pending_sign_in,
    pending_sign_in,
    second_factor_rate_key,
    sign_out,
)
from app.web.redirects import safe_next
from app.web.rendering import show_error


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


def _signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


def _second_factor_limit() -> str:
    return current_app.config["MFA_RATE_LIMIT"]


def _wrong_code(response) -> bool:
    return response.status_code == 422


def _landing():
    return redirect(safe_next(request.args.get("next")) or url_for("home.index"))


@bp.public("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return _landing()
    form = LoginForm()
    next_path = safe_next(request.args.get("next"))
    sso_options: list = []
    show_recovery = bool(form.recovery_code.data)
    if form.validate_on_submit():
        # Email first: with no password yet, the page offers the SSO of the email's domain.
        sso_options = sso_connections.connections_for_email(form.email.data)
        if not form.password.data:
            if not sso_options:
                form.password.errors.append(_("Enter your password."))
        else:
            user = accounts.authenticate(form.email.data, form.password.data)
            if user is None:
                form.password.errors.append(_("That email and password don't match an account."))
            else:
                try:
                    enforcement.check_password_sign_in(user, form.recovery_code.data, ip=request.remote_addr)
                except SsoRequired as exc:
                    form.email.errors.append(exc.message)
                    show_recovery = True
                except DomainError as exc:
                    show_error(form, exc, fallback="recovery_code")
                    show_recovery = True
                else:
                    return complete_sign_in(user, method="password", remember=bool(form.remember.data),
                                            next_url=request.args.get("next"))
    elif request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:254]
        sso_options = sso_connections.connections_for_email(form.email.data)
    status = 200 if request.method == "GET" or not form.errors else 422
    return render_template("auth/login.html", form=form, next=next_path, sso_options=sso_options,
                           show_recovery=show_recovery), status


@bp.public("/login/sso-options")
def sso_options():
    """The "Continue with ..." buttons for the email typed so far (the login page asks by HTMX)."""
    email = (request.args.get("email") or "")[:254]
    return render_block("auth/login.html", "sso_options", sso_options=sso_connections.connections_for_email(email),
                        next=safe_next(request.args.get("next")))


@bp.public("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_second_factor_limit, key_func=second_factor_rate_key, methods=["POST"], deduct_when=_wrong_code)
def two_factor():
    """The second step of signing in for users with two-factor on: a code, or a recovery code."""
    user = pending_sign_in()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Sign in again: the time to enter a code ran out."), "info")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    form.remember_device.label.text = _("Remember this device for %(days)s days", days=mfa.remember_days())
    if form.validate_on_submit():
        actor = Actor.for_user(user, ip=request.remote_addr)
        try:
            used = mfa.verify(user, form.code.data, actor)
        except DomainError as exc:
            record_now("user.second_factor_failed", actor, target_type="user", target_id=user.id,
                       details={"reason": exc.code})
            show_error(form, exc, fallback="code")
        else:
            response = finish_pending_sign_in(user, used, remember_device=bool(form.remember_device.data))
            if used == "recovery":
                left = mfa.remaining_recovery_codes(user)
                flash(_("You signed in with a recovery code; %(count)s are left. Make new ones on your account page "
                        "if you are running low.", count=left), "warning")
            return response
    return render_template("auth/two_factor.html", form=form), \
        (200 if request.method == "GET" or not form.errors else 422)


@bp.public("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("home.index"))
    form = SignUpForm()
    if form.validate_on_submit():
        try:
            result = sign_up(form.name.data, form.email.data, form.password.data, form.organisation.data,
                             form.slug.data, ip=request.remote_addr)
        except DomainError as exc:
            show_error(form, exc, fallback="email")
        else:
            # The same page whether or not the address had an account (its owner was emailed then):
            # sign-up must not tell anyone which addresses are registered.
            return render_template("auth/signup_sent.html", email=result.email)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/signup.html", form=form, base_domain=current_app.config.get("TENANT_BASE_DOMAIN"),
                           public_url=current_app.config["PUBLIC_URL"]), status


@bp.public("/verify-email/<token>")
def verify_email(token: str):
    """The emailed confirmation link: the address is proven; sign in (or carry on) from here."""
    try:
        user = email_verification.verify(token, ip=request.remote_addr)
    except DomainError as exc:
        return render_template("auth/link_invalid.html", message=exc.message, resend=True), 410
    flash(_("Thank you: %(email)s is confirmed.", email=user.email), "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("home.index"))
    return redirect(url_for("auth.login", email=user.email))


@bp.signed_in("/verify-email", methods=["POST"])
@limiter.limit(_reset_limit)
def resend_verification():
    """The banner's "send the link again"."""
    if email_verification.send_verification(current_user._get_current_object()):
        flash(_("A new link is on its way to %(email)s.", email=current_user.email), "info")
    return redirect(safe_next(request.referrer and urlsplit(request.referrer).path) or url_for("home.index"))


@bp.signed_in("/logout", methods=["POST"])
def logout():
    sign_out()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.public("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account: the form must not reveal it.
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form), (422 if form.errors else 200)


@bp.public("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    try:
        user = accounts.user_for_reset_token(token)
    except DomainError as exc:
        return render_template("auth/link_invalid.html", message=exc.message), 410
    form = ResetPasswordForm()
    try:
        enforcement.check_password_reset(user)
    except SsoRequired as exc:
        return render_template("auth/link_invalid.html", message=exc.message), exc.http_status
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data, ip=request.remote_addr)
        except DomainError as exc:
            show_error(form, exc, fallback="password")
        else:
            response = complete_sign_in(user, method="password_reset")
            flash(_("Your password is changed and you are signed in."), "success")
            return response
    return render_template("auth/reset.html", form=form, user=user), (422 if form.errors else 200)
