"""Admin console forms. They carry CSRF and parse input; the rules are the services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the tenant's users)"), validators=[Optional()])


class ExtendTrialForm(FlaskForm):
    days = IntegerField(_l("Days"), default=14, validators=[Optional()])


class ChangePlanForm(FlaskForm):
    plan = SelectField(_l("Plan"), choices=[])
    override_limits = BooleanField(_l("Override limits: allow a downgrade below current usage (audited)"))


class QuotaForm(FlaskForm):
    """Blank: the plan's limit; "unlimited": no limit; a number: a custom limit (storage in GiB)."""

    users = StringField(_l("Users"), validators=[Optional()])
    storage = StringField(_l("Storage (GiB)"), validators=[Optional()])
    api_calls = StringField(_l("API calls per month"), validators=[Optional()])


class ImpersonateForm(FlaskForm):
    reason = StringField(_l("Reason (kept in the audit log, shown while you view)"), validators=[Optional()])


class DeleteTenantForm(FlaskForm):
    confirm_slug = StringField(_l("Type the slug to confirm"), validators=[Optional()])


class PurgeForm(FlaskForm):
    confirm_slug = StringField(_l("Type the slug to confirm"), validators=[Optional()])


class SwitchConnectionForm(FlaskForm):
    disabled = StringField(validators=[Optional()])


class LiftSsoForm(FlaskForm):
    reason = TextAreaField(_l("Why (kept in the audit trail)"), validators=[Optional()])
