"""The audit log's filter (a GET form, so a filtered view can be bookmarked)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only GET filter

    action = SelectField(_l("Action"), choices=[], validators=[Optional()])
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=254)])
    since = StringField(_l("From"), validators=[Optional(), Length(max=10)])
    until = StringField(_l("Until"), validators=[Optional(), Length(max=10)])
