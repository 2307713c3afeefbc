"""Directory sync: owners create SCIM tokens (the secret is shown once), revoke them, see the base URL
to paste into Entra ID or Okta, and map provisioned groups to tenant roles."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from app.scim import base_url
from app.services.directory import provisioning, tokens
from app.services.errors import DomainError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.directory import bp
from app.web.directory.forms import CreateTokenForm, GroupRoleForm
from app.web.members.forms import ROLE_LABELS
from app.web.rendering import is_htmx, render_page, show_error

TEMPLATE = "directory/index.html"


def _role_choices() -> list[tuple[str, str]]:
    return [("", _("No role from this group"))] + [(role.value, str(ROLE_LABELS.get(role.value, role.value)))
                                                   for role in provisioning.MAPPABLE_ROLES]


def _context(form: CreateTokenForm | None = None, **extra) -> dict:
    tenant = current_tenant._get_current_object()
    groups = provisioning.list_groups(tenant)
    counts = provisioning.member_counts([g.id for g in groups])
    return {"form": form or CreateTokenForm(), "tokens": tokens.list_tokens(tenant), "groups": groups,
            "member_counts": counts, "role_choices": _role_choices(), "role_form": GroupRoleForm(),
            "base_url": base_url(tenant), "users": provisioning.count_users(tenant),
            "created": None, "secret": None, **extra}


@bp.tenant("/settings/directory", "scim.manage")
def index():
    return render_page(TEMPLATE, block="directory", **_context())


@bp.tenant("/settings/directory/tokens", "scim.manage", methods=["POST"])
def create_token():
    form = CreateTokenForm()
    if form.validate_on_submit():
        try:
            token, secret = tokens.create_token(current_tenant._get_current_object(), form.name.data,
                                                current_authority())
        except DomainError as exc:
            show_error(form, exc, fallback="name")
        else:
            # Rendered, not redirected: the secret exists only in this response.
            response = render_page(TEMPLATE, block="directory",
                                   **_context(CreateTokenForm(formdata=None), created=token, secret=secret))
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_page(TEMPLATE, block="directory", status=200 if is_htmx() else 422, **_context(form))


@bp.tenant("/settings/directory/tokens/<int:token_id>/revoke", "scim.manage", methods=["POST"])
def revoke_token(token_id: int):
    token = tokens.revoke_token(current_tenant._get_current_object(), token_id, current_authority())
    if not is_htmx():
        flash(_("The SCIM token %(name)s was revoked; the identity provider can no longer use it.", name=token.name),
              "success")
        return redirect(url_for("directory.index", tenant_slug=current_tenant.slug))
    return render_page(TEMPLATE, block="directory", **_context(revoked=token))


@bp.tenant("/settings/directory/groups/<group_id>/role", "scim.manage", methods=["POST"])
def set_group_role(group_id: str):
    form = GroupRoleForm()
    form.role.choices = _role_choices()
    if not form.validate_on_submit():
        return render_page(TEMPLATE, block="directory", status=422, **_context(error=_("Choose a role from the list.")))
    try:
        group = provisioning.set_group_role(current_tenant._get_current_object(), group_id, form.role.data or None,
                                            current_authority())
    except DomainError as exc:
        if exc.http_status == 404:
            raise
        return render_page(TEMPLATE, block="directory", status=exc.http_status, **_context(error=exc.message))
    message = (_("Members of %(group)s are now %(role)s.", group=group.display_name,
                 role=ROLE_LABELS.get(group.role, group.role)) if group.role
               else _("%(group)s no longer gives a role.", group=group.display_name))
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("directory.index", tenant_slug=current_tenant.slug) + "#groups")
    return render_page(TEMPLATE, block="directory", **_context(mapped=message))
