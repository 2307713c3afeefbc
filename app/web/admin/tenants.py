"""`/admin/tenants`: the fleet's tenant table, one tenant's page, and its lifecycle actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _

from app.billing import subscriptions
from app.extensions import db
from app.models import GIB, ISOLATION_STRATEGIES, TENANT_STATUSES
from app.services import fleet, invitations, members, plans, quotas, tenants, tier_move
from app.services.errors import DomainError, ValidationError
from app.services.labels import isolation_label
from app.services.parsing import parse_int, parse_number
from app.services.sso import connections
from app.tenancy.principal import current_authority
from app.web.admin import bp
from app.web.admin.flag_panel import flag_overrides_panel
from app.web.admin.forms import (
    ActionForm,
    ChangePlanForm,
    DeleteTenantForm,
    ExtendTrialForm,
    ImpersonateForm,
    LiftSsoForm,
    MoveTenantForm,
    PurgeForm,
    QuotaForm,
    SuspendForm,
)
from app.web.admin.support_panel import support_access_panel
from app.web.rendering import render_page, show_error

PER_PAGE_CHOICES = (10, 25, 50, 100)


@bp.platform("/tenants")
def tenant_list():
    view = fleet.TenantTableQuery.from_args(request.args)
    page = fleet.tenant_table(view)
    return render_page("admin/tenants.html", block="tenant_table", oob_blocks=("sort_state",), view=view, page=page,
                       page_url=lambda n: url_for("admin.tenant_list", **view.to_args(page=n)),
                       plans=plans.list_plans(), statuses=TENANT_STATUSES,
                       isolation_strategies=ISOLATION_STRATEGIES, per_page_choices=PER_PAGE_CHOICES)


def show_tenant(tenant, status: int = 200, **forms):
    """The tenant page (also for impersonation's form errors); `forms` replaces a blank form with one carrying the admin's input and errors."""
    plan_form = forms.get("plan_form") or ChangePlanForm(formdata=None, plan=tenant.plan_code)
    plan_form.plan.choices = [(p.code, f"{p.name} ({p.code})") for p in plans.list_plans()]
    report = quotas.quota_report(tenant)
    overrides = {q.resource: q.limit_value for q in tenant.quota_overrides}
    quota_form = forms.get("quota_form") or QuotaForm(formdata=None, data=_quota_form_data(overrides))
    grace_days = current_app.config["DELETED_TENANT_GRACE_DAYS"]
    return render_page(
        "admin/tenant_detail.html",
        status=status,
        tenant=tenant,
        effective_status=tenants.effective_status(tenant),
        quota_lines=report,
        overrides=overrides,
        members=members.list_members(tenant),
        pending_invitations=invitations.list_invitations(tenant, "pending"),
        history=fleet.status_history(tenant.id),
        events=fleet.recent_events(tenant.id),
        grace_days=grace_days,
        restore_until=(tenant.deleted_at + timedelta(days=grace_days)) if tenant.deleted_at else None,
        suspend_form=forms.get("suspend_form") or SuspendForm(formdata=None),
        trial_form=forms.get("trial_form") or ExtendTrialForm(formdata=None),
        plan_form=plan_form,
        quota_form=quota_form,
        quota_below=forms.get("quota_below") or [],
        seats=quotas.seat_count(tenant.id),
        purge_form=forms.get("purge_form") or PurgeForm(formdata=None),
        delete_form=forms.get("delete_form") or DeleteTenantForm(formdata=None),
        impersonate_form=forms.get("impersonate_form") or ImpersonateForm(formdata=None),
        action_form=forms.get("action_form") or ActionForm(formdata=None),
        sso_connections=connections.list_connections(tenant),
        lift_sso_form=forms.get("lift_sso_form") or LiftSsoForm(formdata=None),
        **tier_move_panel(tenant, forms.get("move_form")),
        **support_access_panel(tenant, forms),
        **flag_overrides_panel(tenant, forms),
    )



def tier_move_panel(tenant, form: MoveTenantForm | None = None) -> dict:
    """What `admin/_tier_move.html` needs besides `tenant`: the latest move, and the form offering the
    tiers this tenant may move to (schema only on PostgreSQL)."""
    form = form or MoveTenantForm(formdata=None)
    form.target.choices = [(s, isolation_label(s)) for s in ISOLATION_STRATEGIES
                           if s != tenant.isolation_strategy and (s != "schema" or db.engine.dialect.name == "postgresql")]
    return {"move": tier_move.latest_move(tenant.id), "move_form": form}


def _quota_form_data(overrides: dict) -> dict:
    data = {}
    for resource in ("users", "storage", "api_calls"):
        if resource not in overrides:
            data[resource] = ""
        elif overrides[resource] is None:
            data[resource] = "unlimited"
        elif resource == "storage":
            data[resource] = f"{overrides[resource] / GIB:g}"
        else:
            data[resource] = str(overrides[resource])
    return data


def _back(tenant, message: str):
    flash(message, "success")
    return redirect(url_for("admin.tenant_detail", tenant_id=tenant.id))


@bp.platform("/tenants/<tenant_id>")
def tenant_detail(tenant_id: str):
    return show_tenant(tenants.get_tenant(tenant_id))


def _act(tenant, form, form_key: str, perform: Callable[[], object], success: Callable[[], str],
         fallback: str | None = None):
    """One lifecycle action: check the form, call the service, then flash and redirect to the
    tenant page, or re-render it (422) with the service's message on the form."""
    if form.validate_on_submit():
        try:
            perform()
        except DomainError as exc:
            show_error(form, exc, fallback=fallback)
        else:
            return _back(tenant, success())
    return show_tenant(tenant, 422, **{form_key: form})


@bp.platform("/tenants/<tenant_id>/suspend", methods=["POST"])
def suspend(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), SuspendForm()
    return _act(tenant, form, "suspend_form", lambda: tenants.suspend(tenant, form.reason.data or "", current_authority()),
                lambda: _("%(name)s is suspended. Its users are refused from their next request.", name=tenant.name))


@bp.platform("/tenants/<tenant_id>/reactivate", methods=["POST"])
def reactivate(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), ActionForm()
    return _act(tenant, form, "action_form", lambda: tenants.reactivate(tenant, current_authority()),
                lambda: _("%(name)s is active again.", name=tenant.name))


@bp.platform("/tenants/<tenant_id>/extend-trial", methods=["POST"])
def extend_trial(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), ExtendTrialForm()
    return _act(tenant, form, "trial_form",
                lambda: tenants.extend_trial(tenant, form.days.data if form.days.data is not None else 0,
                                             current_authority()),
                lambda: _("Trial extended by %(days)s days.", days=form.days.data))


@bp.platform("/tenants/<tenant_id>/plan", methods=["POST"])
def change_plan(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), ChangePlanForm()
    form.plan.choices = [(p.code, p.name) for p in plans.list_plans()]
    return _act(tenant, form, "plan_form",
                lambda: subscriptions.change_plan(tenant, form.plan.data, current_authority(),
                                                  override_limits=form.override_limits.data),
                lambda: _("%(name)s is on the %(plan)s plan (a downgrade applies at the end of the paid period).",
                          name=tenant.name, plan=tenant.plan.name),
                fallback="plan")


def _parse_limit(resource: str, raw: str | None) -> int | str | None:
    """Form text to a `set_custom_limits` value: blank -> "plan", "unlimited" -> None, else a number."""
    value = (raw or "").strip().lower()
    if not value:
        return "plan"
    if value in ("unlimited", "∞", "none", _("unlimited").lower()):  # the word the help text names, in its language
        return None
    try:
        if resource == "storage":
            return int(parse_number(value, minimum=0, maximum=quotas.MAX_CUSTOM_LIMIT / GIB) * GIB)
        return parse_int(value, minimum=0, maximum=quotas.MAX_CUSTOM_LIMIT)
    except ValueError:
        raise ValidationError(_("Enter a number, \"unlimited\", or leave blank for the plan's limit."),
                              field=resource) from None


@bp.platform("/tenants/<tenant_id>/quotas", methods=["POST"])
def custom_quotas(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), QuotaForm()

    def save() -> None:
        limits, errors = {}, {}
        for resource in ("users", "storage", "api_calls"):
            try:
                limits[resource] = _parse_limit(resource, getattr(form, resource).data)
            except ValidationError as exc:
                errors[resource] = [exc.message]
        if errors:  # every field's error at once
            first = next(iter(errors))
            raise ValidationError(errors[first][0], field=first, details={"fields": errors})
        below = quotas.limits_below_usage(tenant, limits)
        if below and request.form.get("confirm_below_usage") != "1":
            raise _BelowUsage(below)
        quotas.set_custom_limits(tenant, limits, current_authority())

    try:
        return _act(tenant, form, "quota_form", save, lambda: _("Custom quotas saved."))
    except _BelowUsage as warning:  # the confirm step: the same form, its values kept, and what would be over
        return show_tenant(tenant, 422, quota_form=form, quota_below=warning.lines)


class _BelowUsage(Exception):
    """A custom limit under current usage that the admin has not confirmed yet."""

    def __init__(self, lines):
        super().__init__("limits below usage")
        self.lines = lines


@bp.platform("/tenants/<tenant_id>/delete", methods=["POST"])
def delete(tenant_id: str):
    """Soft delete, typed out: the admin types the tenant's slug (a click alone never deletes)."""
    tenant, form = tenants.get_tenant(tenant_id), DeleteTenantForm()
    if form.validate_on_submit() and (form.confirm_slug.data or "").strip() != tenant.slug:
        form.confirm_slug.errors = [_("Type the slug %(slug)s exactly to delete this tenant.", slug=tenant.slug)]
        return show_tenant(tenant, 422, delete_form=form)
    return _act(tenant, form, "delete_form", lambda: tenants.soft_delete(tenant, current_authority()),
                lambda: _("%(name)s is deleted. It can be restored for %(days)s days.", name=tenant.name,
                          days=current_app.config["DELETED_TENANT_GRACE_DAYS"]), fallback="confirm_slug")


@bp.platform("/tenants/<tenant_id>/restore", methods=["POST"])
def restore(tenant_id: str):
    tenant, form = tenants.get_tenant(tenant_id), ActionForm()
    return _act(tenant, form, "action_form",
                lambda: tenants.restore(tenant, current_authority(), current_app.config["DELETED_TENANT_GRACE_DAYS"]),
                lambda: _("%(name)s is restored.", name=tenant.name))


@bp.platform("/tenants/<tenant_id>/purge", methods=["POST"])
def purge(tenant_id: str):
    tenant = tenants.get_tenant(tenant_id)
    form = PurgeForm()
    if form.validate_on_submit():
        if (form.confirm_slug.data or "").strip() != tenant.slug:
            form.confirm_slug.errors = [_("Type the slug %(slug)s exactly to purge.", slug=tenant.slug)]
        else:
            try:
                name = tenant.name
                tenants.purge(tenant, current_authority())
            except DomainError as exc:
                show_error(form, exc, fallback="confirm_slug")
            else:
                flash(_("%(name)s is purged for good. Its audit trail remains.", name=name), "success")
                return redirect(url_for("admin.tenant_list"))
    return show_tenant(tenant, 422, purge_form=form)
