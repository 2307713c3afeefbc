"""Members: the table, inline role changes and removal (HTMX rows), ownership transfer."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from app.services import invitations, members, quotas, roles
from app.services.authority import grantable_roles, may_grant
from app.services.errors import DomainError, NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.members import bp
from app.web.members.forms import ROLE_HELP, ROLE_LABELS, LeaveForm, RoleForm, TransferForm
from app.web.rendering import is_htmx, render_page

TEMPLATE = "members/index.html"


def _may_edit(membership) -> bool:
    """Whether the caller may change or remove this member (the service checks again)."""
    return may_grant(current_authority(), membership.tenant_id, membership.role)


def _context(**extra) -> dict:
    tenant = current_tenant._get_current_object()
    everyone = members.list_members(tenant)
    transfer = TransferForm()
    candidates = [SelectChoice(str(m.user_id), f"{m.user.display_name} <{m.user.email}>")
                  for m in everyone if m.user_id != tenant.owner_id and m.status == "active"]
    # Starts on a blank choice: nobody becomes the owner by a form sent without choosing.
    transfer.user_id.choices = [SelectChoice("", _("Choose a member")), *candidates] if candidates else []
    users_line = next(line for line in quotas.quota_report(tenant) if line.resource == "users")
    # The invitations that hold a seat, listed under the members so the seat count adds up on this page.
    pending = [inv for inv in invitations.list_invitations(tenant) if not inv.is_expired()]
    return {"members": everyone, "roles": [(r, ROLE_LABELS[r]) for r in grantable_roles(current_authority(), tenant)], "role_labels": ROLE_LABELS,
            "role_help": ROLE_HELP, "may_edit": _may_edit, "transfer_form": transfer, "users_line": users_line,
            "seats": quotas.seat_count(tenant.id), "pending": pending,
            "row_errors": {}, "row_notice": {}, "seats_oob": False, "leave_form": LeaveForm(),
            "custom_roles": roles.roles_of_members(tenant, [m.user_id for m in everyone]),
            "sole_owner_id": next((m.user_id for m in everyone if m.role == "owner" and members.is_sole_owner(m)), None),
            **extra}


def _back():
    return redirect(url_for("members.index", tenant_slug=current_tenant.slug))


@bp.tenant("/members", "members.read")
def index():
    return render_page(TEMPLATE, block="members", **_context())


@bp.tenant("/members/<int:user_id>/role", "members.manage", methods=["POST"])
def change_role(user_id: int):
    tenant = current_tenant._get_current_object()
    membership = members.get_membership(tenant, user_id)
    form = RoleForm()
    error = None
    if not form.validate_on_submit():
        error = _("Choose a role.")
    elif _needs_owner_confirmation(membership, form.role.data):
        if not is_htmx():  # no JavaScript, so no dialog: the same question as a page
            return render_page("members/confirm_owner.html", m=membership)
        error = _("Confirm making %(name)s an owner first.", name=membership.user.display_name)
    else:
        try:
            membership = members.change_role(tenant, user_id, form.role.data, current_authority())
        except DomainError as exc:
            error = exc.message
    if not is_htmx():
        if error:
            flash(error, "danger")
        else:
            flash(_("%(name)s is now %(role)s.", name=membership.user.display_name,
                    role=ROLE_LABELS[membership.role]), "success")
        return _back()
    ctx = _context(m=membership, row_errors={membership.user_id: error} if error else {},
                   row_notice={membership.user_id: None if error else _("Saved")})
    return render_page(TEMPLATE, block="member_row", **ctx)


def _needs_owner_confirmation(membership, role: str) -> bool:
    """Making someone an owner is never one click: the form must say it was confirmed."""
    return (role == "owner" and membership.role != "owner" and request.form.get("confirmed") != "1"
            and may_grant(current_authority(), membership.tenant_id, "owner"))  # else the service says no


@bp.tenant("/members/<int:user_id>/remove", "members.manage")
def confirm_remove(user_id: int):
    """The confirmation page a browser without JavaScript shows before removing someone."""
    membership = members.get_membership(current_tenant._get_current_object(), user_id)
    return render_page("members/confirm_remove.html", m=membership)


@bp.tenant("/members/<int:user_id>/remove", "members.manage", methods=["POST"])
def remove(user_id: int):
    tenant = current_tenant._get_current_object()
    membership = members.get_membership(tenant, user_id)
    name = membership.user.display_name
    try:
        members.remove_member(tenant, user_id, current_authority())
    except DomainError as exc:
        if not is_htmx():
            flash(exc.message, "danger")
            return _back()
        return render_page(TEMPLATE, block="member_row", **_context(m=membership, row_errors={user_id: exc.message}))
    flash(_("%(name)s was removed from %(org)s.", name=name, org=tenant.name), "success")
    if not is_htmx():
        return _back()
    # The row disappears; the seat counter above the table updates out of band.
    return render_page(TEMPLATE, block="removed_row", oob_blocks=("seats",), **_context(seats_oob=True))


@bp.tenant("/members/transfer", "ownership.transfer", methods=["POST"])
def transfer():
    tenant = current_tenant._get_current_object()
    ctx = _context()
    form = ctx["transfer_form"]
    if not form.validate_on_submit():
        flash(_("Choose the member who becomes the owner."), "danger")
        return _back()
    try:
        new_owner = members.transfer_ownership(tenant, form.user_id.data, current_authority())
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        flash(exc.message, "danger")
        return _back()
    flash(_("%(name)s now owns %(org)s; you are an admin.", name=new_owner.user.display_name, org=tenant.name),
          "success")
    return _back()


@bp.tenant("/members/leave", "membership.leave", methods=["POST"])
def leave():
    """The signed-in member leaves the organisation (the last owner cannot)."""
    tenant = current_tenant._get_current_object()
    form = LeaveForm()
    if not form.validate_on_submit():
        return _back()
    try:
        members.remove_member(tenant, current_user.id, current_authority())
    except DomainError as exc:
        flash(exc.message, "danger")
        return _back()
    flash(_("You left %(org)s.", org=tenant.name), "success")
    return redirect(url_for("home.index"))
