"""Forms of the members page: change a role, transfer ownership."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField
from wtforms.validators import DataRequired

from app.models import ROLES

ROLE_LABELS = {"owner": _l("Owner"), "admin": _l("Admin"), "member": _l("Member"), "viewer": _l("Viewer")}
ROLE_HELP = {
    "owner": _l("Full control, including billing and deleting the organisation."),
    "admin": _l("Manages members, invitations, plan, settings and API keys."),
    "member": _l("Works in the knowledge base."),
    "viewer": _l("Reads everything, changes nothing."),
}


def role_choices(roles: list[str]) -> list[SelectChoice]:
    return [SelectChoice(r, ROLE_LABELS[r]) for r in roles]


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices(list(ROLES)), validators=[DataRequired()])


class TransferForm(FlaskForm):
    user_id = SelectField(_l("New owner"), choices=[], validators=[DataRequired()])


class LeaveForm(FlaskForm):
    """Leaving needs only the CSRF token."""
