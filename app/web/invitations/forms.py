"""Forms of the invitation flow: invite someone, and join by an emailed link."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.web.members.forms import role_choices


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices(["admin", "member", "viewer"]), default="member",
                       validators=[DataRequired()])


class JoinAsNewUserForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    password = PasswordField(_l("Choose a password"), validators=[DataRequired()])


class AcceptForm(FlaskForm):
    """Just the CSRF token: a signed-in user joins with one click."""
