"""Create an API key."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.web.members.forms import role_choices


class CreateKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Acts as"), choices=role_choices(["admin", "member", "viewer"]), default="viewer",
                       validators=[DataRequired()])
