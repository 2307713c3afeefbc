"""Settings -> Beta features: the betas a platform admin allowed this organisation, each with a
switch and its own Save (a plain form with CSRF; with HTMX the list region is swapped in place).
Everyone in the organisation may look; switching needs `settings.update`. The rules are
`services.beta_features`'s."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.services import beta_features
from app.services.errors import DomainError
from app.tenancy.context import current_tenant
from app.tenancy.principal import current_authority
from app.web.rendering import is_htmx, render_page
from app.web.settings import bp
from app.web.settings.forms import BetaFeatureForm


def _page(status: int = 200, error: str | None = None, error_key: str | None = None, changed: str | None = None):
    tenant = current_tenant._get_current_object()
    return render_page("settings/beta_features.html", "betas_region", status=status,
                       betas=beta_features.tenant_view(tenant), form=BetaFeatureForm(formdata=None),
                       error=error, error_key=error_key, changed=changed)


@bp.tenant("/settings/beta-features", "tenant.read")
def beta_features_index():
    return _page()


@bp.tenant("/settings/beta-features/<key>", "settings.update", methods=["POST"])
def save_beta_feature(key: str):
    """Save one beta's switch: on when the `enabled` checkbox came with the form, off when it did not."""
    if not BetaFeatureForm().validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("settings.beta_features_index", tenant_slug=current_tenant.slug))
    enabled = request.form.get("enabled") in ("y", "on", "true", "1")
    try:
        state = beta_features.set_enabled(current_tenant._get_current_object(), key, enabled, current_authority())
    except DomainError as exc:
        if is_htmx():
            return _page(exc.http_status, exc.message, key)
        flash(exc.message, "danger")
        return redirect(url_for("settings.beta_features_index", tenant_slug=current_tenant.slug))
    message = (_("%(label)s is on.", label=state.feature.label) if state.enabled
               else _("%(label)s is off.", label=state.feature.label))
    if is_htmx():
        flash(message, "success")
        return _page(changed=key)
    flash(message, "success")
    return redirect(url_for("settings.beta_features_index", tenant_slug=current_tenant.slug))
