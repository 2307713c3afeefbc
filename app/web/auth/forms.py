"""Sign-in, sign-up and password forms. Shape checks only; the rules live in services.accounts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional


class LoginForm(FlaskForm):
    """Email first: with only an email, the page offers the single sign-on of the email's domain."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[Optional()])
    # Owners' break-glass while their organisation requires SSO (services.sso.enforcement).
    recovery_code = StringField(_l("Recovery code"), validators=[Optional(), Length(max=64)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class TwoFactorForm(FlaskForm):
    code = StringField(_l("Authentication code"), validators=[DataRequired(), Length(max=64)])
    remember_device = BooleanField(_l("Remember this device"))


class SignUpForm(FlaskForm):
    """No field validators: `services.signup.check_sign_up` checks every field at once and the
    page shows all its messages together (a validator here would answer first, one at a time)."""

    name = StringField(_l("Your name"), validators=[Optional()])
    email = EmailField(_l("Work email"), validators=[Optional()])
    password = PasswordField(_l("Password"), validators=[Optional()])
    organisation = StringField(_l("Organisation name"), validators=[Optional()])
    slug = StringField(_l("Address"), validators=[Optional()])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
