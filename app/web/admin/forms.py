"""Admin console forms. They carry CSRF and parse input; the rules are the services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
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


class MoveTenantForm(FlaskForm):
    """The isolation tier to move a tenant to (choices: the tiers it may move to)."""

    target = SelectField(_l("Move to"), choices=[], validate_choice=False)


SUPPORT_DURATIONS = [SelectChoice(30, _l("30 minutes")), SelectChoice(60, _l("1 hour")), SelectChoice(240, _l("4 hours")),
                     SelectChoice(480, _l("8 hours")), SelectChoice(1440, _l("24 hours"))]
SUPPORT_LEVELS = [SelectChoice("read_only", _l("Read-only")), SelectChoice("full", _l("Full access"))]


class SupportAccessRequestForm(FlaskForm):
    """Ask the tenant's owners for access (services.support_access.request_access judges it)."""

    reason = StringField(_l("Reason (the owners read it)"), validators=[Optional()])
    duration_minutes = SelectField(_l("For"), choices=SUPPORT_DURATIONS, coerce=int, default=60, validate_choice=False)
    level = SelectField(_l("Level"), choices=SUPPORT_LEVELS, default="read_only", validate_choice=False)


class BreakGlassForm(FlaskForm):
    """Emergency access without approval: a reason, and the tenant's slug typed to confirm."""

    reason = StringField(_l("Emergency reason (owners are told at once)"), validators=[Optional()])
    confirm_slug = StringField(_l("Type the slug to break glass"), validators=[Optional()])


class FlagOverrideForm(FlaskForm):
    """Switch one feature flag on or off for a tenant, until an optional instant (UTC).

    Only parsing here: `feature_flags.set_override` judges the key, the expiry and the note and reports
    every bad field at once; the field names are its own, so its errors land beside them."""

    key = StringField(_l("Flag"))
    enabled = SelectField(_l("State"), choices=[SelectChoice("on", _l("On")), SelectChoice("off", _l("Off"))], default="on")
    expires_at = DateTimeLocalField(_l("Until (UTC, optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    note = TextAreaField(_l("Note (why, for the audit log)"))
