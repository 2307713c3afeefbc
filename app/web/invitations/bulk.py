"""Bulk invitations in the portal: paste addresses or upload a CSV, preview each row, then send."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import Optional

from app.services import bulk_invitations
from app.services.authority import grantable_roles
from app.services.errors import DomainError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.invitations import bp
from app.web.members.forms import ROLE_LABELS, role_choices
from app.web.rendering import render_page

TEMPLATE = "invitations/bulk.html"


class BulkInviteForm(FlaskForm):
    addresses = TextAreaField(_l("Addresses"), validators=[Optional()],
                              description=_l("One per line, or email,role per line (a CSV header is allowed)."))
    file = FileField(_l("Or upload a CSV file (email,role)"), validators=[Optional()])
    role = SelectField(_l("Role for rows without one"), default="member")


def _form() -> BulkInviteForm:
    form = BulkInviteForm()
    tenant = current_tenant._get_current_object()
    form.role.choices = role_choices([r for r in grantable_roles(current_authority(), tenant) if r != "owner"]
                                     or ["viewer"])
    return form


@bp.tenant("/invitations/bulk", "invitations.manage")
def bulk():
    return render_page(TEMPLATE, form=_form(), result=None, role_labels=ROLE_LABELS,
                       max_rows=bulk_invitations.MAX_ROWS, outcome_labels=_outcome_labels())


@bp.tenant("/invitations/bulk", "invitations.manage", methods=["POST"])
def bulk_submit():
    """`action=preview` shows each row's outcome; `action=send` invites the rows that fit."""
    form = _form()
    result = None
    status = 200
    if not form.validate_on_submit():
        status = 422
    else:
        try:
            upload = form.file.data
            if upload and getattr(upload, "filename", ""):
                text, field_name = bulk_invitations.decode(upload.read(bulk_invitations.MAX_BYTES + 1)), "file"
            else:
                text, field_name = form.addresses.data, "addresses"
            rows = bulk_invitations.parse(text, form.role.data or "member", field_name=field_name)
            run = bulk_invitations.send if request.form.get("action") == "send" else bulk_invitations.preview
            result = run(current_tenant._get_current_object(), rows, current_authority())
        except DomainError as exc:
            getattr(form, exc.field if exc.field in ("file", "addresses") else "addresses").errors = [exc.message]
            status = 422
    if result is not None and result.sent:
        form.addresses.data = ""  # the table keeps what happened; the box must not invite them twice
    return render_page(TEMPLATE, form=form, result=result, role_labels=ROLE_LABELS,
                       max_rows=bulk_invitations.MAX_ROWS, status=status,
                       outcome_labels=_outcome_labels())


def _outcome_labels() -> dict[str, str]:
    return {
        bulk_invitations.NEW: _("New invitation"),
        bulk_invitations.SENT: _("Invitation sent"),
        bulk_invitations.MEMBER: _("Already a member"),
        bulk_invitations.INVITED: _("Already invited"),
        bulk_invitations.DUPLICATE: _("Duplicate row"),
        bulk_invitations.INVALID_EMAIL: _("Invalid address"),
        bulk_invitations.INVALID_ROLE: _("Invalid role"),
        bulk_invitations.NOT_ALLOWED: _("Role not allowed"),
        bulk_invitations.OVER_QUOTA: _("Over the seat quota"),
    }
