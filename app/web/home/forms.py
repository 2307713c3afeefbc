"""Forms of the organisation list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional


class NewOrganisationForm(FlaskForm):
    organisation = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=120)])
    slug = StringField(_l("Address"), validators=[Optional(), Length(max=63)])
