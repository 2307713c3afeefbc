"""Account forms. Shape checks only; the rules live in services.accounts, sessions and mfa."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.services.tenants import SUPPORTED_LOCALES
from app.web.settings.forms import timezone_choices


def locale_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("The organisation's")),
            *[SelectChoice(code, label) for code, label in SUPPORTED_LOCALES.items()]]


def personal_timezone_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("The organisation's")), *timezone_choices()]


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=locale_choices, validate_choice=False)
    timezone = SelectField(_l("Time zone"), choices=personal_timezone_choices, validate_choice=False)


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])


class CodeForm(FlaskForm):
    """A current authenticator code or a recovery code, for actions that need proof of the second factor."""

    code = StringField(_l("Authentication code"), validators=[DataRequired(), Length(max=64)])


class ActionForm(FlaskForm):
    """A button: CSRF only."""
