"""Settings -> Webhooks: the tenant's endpoints (add with event checkboxes, secret shown once),
each endpoint's delivery log with replay, rotate the secret, enable/disable, delete (admins and owners)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.services import entitlements, webhooks
from app.services.errors import DomainError, NotFound
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.rendering import render_page, show_error
from app.web.settings import bp
from app.web.settings.forms import DeleteRoleForm, WebhookForm


def _tenant():
    return current_tenant._get_current_object()


def _index_page(form, chosen=(), secret=None, created=None, status=200):
    tenant = _tenant()
    return render_page("settings/webhooks.html", endpoints=webhooks.list_endpoints(tenant), form=form,
                       chosen=set(chosen), event_types=webhooks.EVENT_TYPES, secret=secret, created=created,
                       in_plan=entitlements.has_feature(tenant, webhooks.FEATURE)), status


@bp.tenant("/settings/webhooks", "webhooks.manage", methods=["GET", "POST"])
def webhooks_index():
    form = WebhookForm()
    chosen = request.form.getlist("events")
    if request.method == "POST" and form.validate_on_submit():
        try:
            endpoint, secret = webhooks.create_endpoint(_tenant(), current_authority(), url=form.url.data or "",
                                                        events=chosen, description=form.description.data or "")
        except DomainError as exc:
            show_error(form, exc, fallback="url")
            return _index_page(form, chosen, status=exc.http_status)
        # The secret is shown in this answer only; it is never displayed again.
        return _index_page(WebhookForm(formdata=None), secret=secret, created=endpoint)
    return _index_page(form, chosen, status=422 if request.method == "POST" else 200)


def _endpoint_page(endpoint, secret=None, status=200):
    return render_page("settings/webhooks_endpoint.html", endpoint=endpoint, secret=secret,
                       deliveries=webhooks.list_deliveries(_tenant(), endpoint.id), form=DeleteRoleForm(),
                       event_types=webhooks.EVENT_TYPES), status


@bp.tenant("/settings/webhooks/<int:endpoint_id>", "webhooks.manage")
def webhook_endpoint(endpoint_id: int):
    return _endpoint_page(webhooks.get_endpoint(_tenant(), endpoint_id))


@bp.tenant("/settings/webhooks/<int:endpoint_id>/rotate", "webhooks.manage", methods=["POST"])
def rotate_webhook(endpoint_id: int):
    endpoint = webhooks.get_endpoint(_tenant(), endpoint_id)
    if not DeleteRoleForm().validate_on_submit():
        return _endpoint_page(endpoint, status=400)
    endpoint, secret = webhooks.rotate_secret(_tenant(), endpoint.id, current_authority())
    return _endpoint_page(endpoint, secret=secret)


@bp.tenant("/settings/webhooks/<int:endpoint_id>/toggle", "webhooks.manage", methods=["POST"])
def toggle_webhook(endpoint_id: int):
    endpoint = webhooks.get_endpoint(_tenant(), endpoint_id)
    if DeleteRoleForm().validate_on_submit():
        try:
            webhooks.update_endpoint(_tenant(), endpoint.id, current_authority(), enabled=not endpoint.enabled)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            flash(exc.message, "danger")
    return redirect(url_for("settings.webhook_endpoint", tenant_slug=_tenant().slug, endpoint_id=endpoint.id))


@bp.tenant("/settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/replay", "webhooks.manage",
           methods=["POST"])
def replay_webhook(endpoint_id: int, delivery_id: int):
    endpoint = webhooks.get_endpoint(_tenant(), endpoint_id)
    if DeleteRoleForm().validate_on_submit():
        webhooks.replay(_tenant(), endpoint.id, delivery_id, current_authority())
        flash(_("The event was sent again."), "success")
    return redirect(url_for("settings.webhook_endpoint", tenant_slug=_tenant().slug, endpoint_id=endpoint.id))


@bp.tenant("/settings/webhooks/<int:endpoint_id>/delete", "webhooks.manage", methods=["POST"])
def delete_webhook(endpoint_id: int):
    endpoint = webhooks.get_endpoint(_tenant(), endpoint_id)
    if DeleteRoleForm().validate_on_submit():
        webhooks.delete_endpoint(_tenant(), endpoint.id, current_authority())
        flash(_("Webhook endpoint deleted."), "success")
    return redirect(url_for("settings.webhooks_index", tenant_slug=_tenant().slug))
