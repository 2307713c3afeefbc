"""Settings -> Roles: the tenant's custom roles, with member counts; create, edit, delete (owners)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.services import entitlements, members, roles
from app.services.errors import DomainError, NotFound
from app.services.permissions import grouped_catalogue
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.rendering import render_page, show_error
from app.web.settings import bp
from app.web.settings.forms import CustomRoleForm, DeleteRoleForm


def _list():
    return redirect(url_for("settings.roles_index", tenant_slug=current_tenant.slug))


def _editor(form, role=None, chosen=(), status=200):
    body = render_page("settings/roles_form.html", form=form, role=role, chosen=set(chosen),
                       groups=grouped_catalogue(), delete_form=DeleteRoleForm())
    return body, status


@bp.tenant("/settings/roles", "roles.manage")
def roles_index():
    tenant = current_tenant._get_current_object()
    return render_page("settings/roles.html", roles=roles.list_roles(tenant),
                       in_plan=entitlements.has_feature(tenant, roles.FEATURE))


@bp.tenant("/settings/roles/new", "roles.manage", methods=["GET", "POST"])
def new_role():
    form = CustomRoleForm()
    chosen = request.form.getlist("permissions")
    if request.method == "POST" and form.validate_on_submit():
        try:
            role = roles.create_role(current_tenant._get_current_object(), current_authority(), name=form.name.data,
                                     description=form.description.data or "", permissions=chosen)
        except DomainError as exc:
            show_error(form, exc, fallback="name")
            return _editor(form, chosen=chosen, status=exc.http_status)
        flash(_("Role %(name)s created.", name=role.name), "success")
        return _list()
    return _editor(form, chosen=chosen, status=422 if request.method == "POST" else 200)


@bp.tenant("/settings/roles/<int:role_id>", "roles.manage", methods=["GET", "POST"])
def edit_role(role_id: int):
    tenant = current_tenant._get_current_object()
    role = roles.get_role(tenant, role_id)
    form = CustomRoleForm(data={"name": role.name, "description": role.description} if request.method == "GET" else None)
    chosen = request.form.getlist("permissions") if request.method == "POST" else role.permissions
    if request.method == "POST" and form.validate_on_submit():
        try:
            roles.update_role(tenant, role.id, current_authority(), name=form.name.data,
                              description=form.description.data or "", permissions=chosen)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            show_error(form, exc, fallback="name")
            return _editor(form, role, chosen, status=exc.http_status)
        flash(_("Role %(name)s saved.", name=role.name), "success")
        return _list()
    return _editor(form, role, chosen, status=422 if request.method == "POST" else 200)


@bp.tenant("/settings/roles/<int:role_id>/delete", "roles.manage", methods=["POST"])
def delete_role(role_id: int):
    tenant = current_tenant._get_current_object()
    role = roles.get_role(tenant, role_id)
    if DeleteRoleForm().validate_on_submit():
        try:
            roles.delete_role(tenant, role.id, current_authority())
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash(exc.message, "danger")
            return _list()
        flash(_("Role %(name)s deleted.", name=role.name), "success")
    return _list()


@bp.tenant("/members/<int:user_id>/roles", "members.manage", methods=["GET", "POST"])
def member_roles(user_id: int):
    """A member's custom roles as checkboxes (their built-in role is changed in the members table)."""
    tenant = current_tenant._get_current_object()
    membership = members.get_membership(tenant, user_id)
    form = DeleteRoleForm()  # only the CSRF token: the roles are the checkboxes named `roles`
    error, status = None, 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            roles.set_member_roles(tenant, membership.user_id, request.form.getlist("roles"), current_authority())
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            error, status = exc.message, exc.http_status
        else:
            flash(_("Roles of %(name)s saved.", name=membership.user.display_name), "success")
            return redirect(url_for("members.index", tenant_slug=tenant.slug))
    held = {r.key for r in roles.roles_of_members(tenant, [membership.user_id])[membership.user_id]}
    return render_page("settings/member_roles.html", m=membership, form=form, error=error, held=held,
                       all_roles=[role for role, _count in roles.list_roles(tenant)]), status
