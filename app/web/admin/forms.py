"""Admin console forms. They carry CSRF and parse input; the rules are the services'."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.services.errors import DomainError


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class SuspendForm(FlaskForm):
    reason = TextAreaField("Reason (shown to the tenant's users)", validators=[Optional()])


class ExtendTrialForm(FlaskForm):
    days = IntegerField("Days", default=14, validators=[Optional()])


class ChangePlanForm(FlaskForm):
    plan = SelectField("Plan", choices=[])
    override_limits = BooleanField("Override limits: allow a downgrade below current usage (audited)")


class QuotaForm(FlaskForm):
    """Blank: the plan's limit; "unlimited": no limit; a number: a custom limit (storage in GiB)."""

    users = StringField("Users", validators=[Optional()])
    storage = StringField("Storage (GiB)", validators=[Optional()])
    api_calls = StringField("API calls per month", validators=[Optional()])


class PurgeForm(FlaskForm):
    confirm_slug = StringField("Type the slug to confirm", validators=[Optional()])


def show_error(form: FlaskForm, exc: DomainError, field_names: dict[str, str] | None = None) -> None:
    """Put a service's error on the form field it names (mapped through `field_names`), else on the form."""
    name = (field_names or {}).get(exc.field or "", exc.field)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors") and name != "meta":
        field.errors = [*list(field.errors or []), exc.message]
    else:
        form.form_errors.append(exc.message)
