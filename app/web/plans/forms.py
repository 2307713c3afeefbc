"""The plan picker's form: which plan to move to."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired


class ChangePlanForm(FlaskForm):
    plan = HiddenField(validators=[DataRequired()])
