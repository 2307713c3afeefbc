"""Organisation settings and the danger zone."""

from __future__ import annotations

import zoneinfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from app.services.tenants import SUPPORTED_LOCALES


def timezone_choices() -> list[SelectChoice]:
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))
    return [SelectChoice("UTC"), *[SelectChoice(z, z.replace("_", " ")) for z in zones]]


class SettingsForm(FlaskForm):
    """Name and slug are checked by `services.tenants.update_tenant`, every field at once."""

    name = StringField(_l("Organisation name"), validators=[Optional()])
    slug = StringField(_l("Slug"), validators=[Optional()])
    timezone = SelectField(_l("Time zone"), choices=timezone_choices, validators=[DataRequired()])
    locale = SelectField(_l("Language"), choices=[SelectChoice(code, label) for code, label in SUPPORTED_LOCALES.items()], validators=[DataRequired()])
    brand_color = StringField(_l("Brand colour"), validators=[Optional()])
    require_2fa = BooleanField(_l("Require two-factor authentication"))


class DeleteTenantForm(FlaskForm):
    confirm_slug = StringField(_l("Type the slug to confirm"), validators=[DataRequired()])


class CustomRoleForm(FlaskForm):
    """A custom role; its permissions are the checkboxes named `permissions` (checked by the service)."""

    # No validators here: the service checks every field at once (`services.roles`).
    name = StringField(_l("Name"))
    description = StringField(_l("Description"))


class DeleteRoleForm(FlaskForm):
    """Deleting a role needs only the CSRF token."""


class StandingAccessForm(FlaskForm):
    """An owner lets platform support in without being asked each time (services.support_access judges it)."""

    reason = StringField(_l("Why (for example, an ongoing migration)"), validators=[Optional()])
    level = SelectField(_l("Level"), choices=[SelectChoice("read_only", _l("Read-only")), SelectChoice("full", _l("Full access"))],
                        default="read_only", validate_choice=False)
    days = SelectField(_l("For"), choices=[SelectChoice(1, _l("1 day")), SelectChoice(7, _l("7 days")),
                                                 SelectChoice(30, _l("30 days"))], coerce=int,
                       default=7, validate_choice=False)


class SupportDecisionForm(FlaskForm):
    """Approve, deny or revoke: only the CSRF token."""


class RequestExportForm(FlaskForm):
    """Asking for a data export needs only the CSRF token."""


class WebhookForm(FlaskForm):
    """A webhook endpoint; its events are the checkboxes named `events` (checked by `services.webhooks`)."""

    url = StringField(_l("Endpoint URL"))
    description = StringField(_l("Description"))


class BetaFeatureForm(FlaskForm):
    """One beta's switch: its checkbox is the input named `enabled` (absent: off); `services.beta_features` judges it."""
