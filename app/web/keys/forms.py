"""Create an API key."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.web.members.forms import role_choices


class CreateKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Acts as"), choices=role_choices(["admin", "member", "viewer"]), default="viewer",
                       validators=[DataRequired()])
    # Choices are the tenant's custom roles (set by the route); the field is shown only when there are some.
    custom_role = SelectField(_l("Also holds"), choices=[SelectChoice("", _l("No custom role"))], default="")
    expires = SelectField(_l("Expires"), choices=[SelectChoice("", _l("Never")), SelectChoice("30", _l("In 30 days")),
                                                  SelectChoice("90", _l("In 90 days")),
                                                  SelectChoice("365", _l("In a year"))], default="90")

    def expires_at(self, now: datetime) -> datetime | None:
        return now + timedelta(days=int(self.expires.data)) if self.expires.data else None
