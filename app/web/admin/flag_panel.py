"""What the admin tenant page shows of feature-flag overrides (`admin/_flag_overrides.html`).

Apart from the routes (`flag_overrides.py`) so the tenant page can build it without an import cycle."""

from __future__ import annotations

from app.models.types import utcnow
from app.services import feature_flags
from app.web.admin.forms import ActionForm, FlagOverrideForm


def flag_overrides_panel(tenant, forms: dict) -> dict:
    """The tenant's overrides (expired ones marked), the form to set one, and the clear button's form."""
    now = utcnow()
    return {"flag_overrides": [(o, feature_flags.in_force(o, now)) for o in feature_flags.list_overrides(tenant)],
            "flag_form": forms.get("flag_form") or FlagOverrideForm(formdata=None, prefix="flag"),
            "flag_clear_form": forms.get("flag_clear_form") or ActionForm(formdata=None)}
