"""API keys: create (the secret is shown once), list with last use, revoke."""

from __future__ import annotations

from flask import flash, redirect, session, url_for
from flask_babel import gettext as _
from wtforms import SelectChoice

from app.models.types import utcnow
from app.services import api_keys, entitlements, roles
from app.services.authority import allows, grantable_roles
from app.services.errors import DomainError, NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.keys import bp
from app.web.keys.forms import CreateKeyForm
from app.web.members.forms import ROLE_LABELS, role_choices
from app.web.rendering import is_htmx, render_page, show_error

TEMPLATE = "keys/index.html"


def _choices(form: CreateKeyForm) -> CreateKeyForm:
    """The form's role choices: built-in roles the caller may grant; the tenant's custom roles when its
    plan has them (the service still refuses a role made of permissions the caller does not hold)."""
    tenant = current_tenant._get_current_object()
    form.role.choices = role_choices(grantable_roles(current_authority(), tenant.id))
    custom = [role for role, _count in roles.list_roles(tenant)] if entitlements.has_feature(tenant, roles.FEATURE) else []
    form.custom_role.choices = [SelectChoice("", _("No custom role")),
                                *(SelectChoice(role.key, role.name) for role in custom)]
    return form


def _context(form: CreateKeyForm | None = None, **extra) -> dict:
    tenant = current_tenant._get_current_object()
    form = _choices(form or CreateKeyForm())
    return {"form": form, "keys": api_keys.list_keys(tenant), "role_labels": ROLE_LABELS, "created": None,
            "secret": None, "may_reown": allows(current_authority(), "apikeys.reown") and not
            session.get("impersonator_id"), **extra}


@bp.tenant("/keys", "apikeys.manage")
def index():
    return render_page(TEMPLATE, block="keys", **_context())


@bp.tenant("/keys", "apikeys.manage", methods=["POST"])
def create():
    form = _choices(CreateKeyForm())
    if form.validate_on_submit():
        try:
            key, secret = api_keys.create_key(current_tenant._get_current_object(), form.name.data, form.role.data,
                                              current_authority(), custom_role=form.custom_role.data or None,
                                              expires_at=form.expires_at(utcnow()))
        except DomainError as exc:
            show_error(form, exc, fallback="name")
        else:
            # Rendered, not redirected: the secret exists only in this response.
            response = render_page(TEMPLATE, block="keys",
                                   **_context(CreateKeyForm(formdata=None), created=key, secret=secret))
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_page(TEMPLATE, block="keys", status=200 if is_htmx() else 422, **_context(form))


@bp.tenant("/keys/<int:key_id>/revoke", "apikeys.manage", methods=["POST"])
def revoke(key_id: int):
    key = api_keys.revoke_key(current_tenant._get_current_object(), key_id, current_authority())
    if not is_htmx():
        flash(_("The key %(name)s was revoked; requests using it are refused from now on.", name=key.name),
              "success")
        return redirect(url_for("keys.index", tenant_slug=current_tenant.slug))
    return render_page(TEMPLATE, block="keys", **_context(revoked=key))


@bp.tenant("/keys/<int:key_id>/reown", "apikeys.reown", methods=["POST"])
def reown(key_id: int):
    """An owner takes a key over, so it survives its maker leaving (it hangs on the owner from now on)."""
    try:
        key = api_keys.reown_key(current_tenant._get_current_object(), key_id, current_authority())
    except NotFound:
        raise  # another tenant's key, or none: the plain 404 page
    except DomainError as exc:
        if not is_htmx():
            flash(exc.message, "danger")
            return redirect(url_for("keys.index", tenant_slug=current_tenant.slug))
        return render_page(TEMPLATE, block="keys", status=exc.http_status, **_context(error=exc.message))
    if not is_htmx():
        flash(_("You took over the key %(name)s; it now works as long as you are an owner.", name=key.name),
              "success")
        return redirect(url_for("keys.index", tenant_slug=current_tenant.slug))
    return render_page(TEMPLATE, block="keys", **_context(reowned=key))
