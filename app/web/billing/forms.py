"""Billing forms: the details printed on invoices, and the one-button actions (CSRF only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional


class BillingDetailsForm(FlaskForm):
    company_name = StringField(_l("Company name"), validators=[Optional(), Length(max=200)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=1000)])
    tax_id = StringField(_l("Tax id"), validators=[Optional(), Length(max=64)])
    billing_email = StringField(_l("Billing email"), validators=[Optional(), Length(max=254)])


class ActionForm(FlaskForm):
    """A button that changes something: carries the CSRF token."""
