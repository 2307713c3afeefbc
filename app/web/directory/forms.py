"""Forms of the directory sync page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.services.directory import tokens


class CreateTokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=tokens.NAME_MAX_LENGTH)])


class GroupRoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[])
