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
