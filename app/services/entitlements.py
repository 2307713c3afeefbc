"""Plan entitlements: which features a tenant's plan includes, checked in this one place.

A feature is a key of `CATALOGUE` (`sso`, `scim`, `custom_roles`, `audit_export`, `webhooks`). Each
plan stores the keys it includes (`Plan.entitlements`, seeded from `PLAN_SEED`), so what a plan
includes is data, changed with the plans, not `if plan == "pro"` written in every feature.

Callers ask one of two questions:

- `has_feature(tenant, key)` to decide what to show (a settings card or an upgrade prompt);
- `require_feature(tenant, key)` at the top of the service function that uses the feature: it
  raises `FeatureNotInPlan` (403, code `feature_not_in_plan`), whose details name the feature, the
  tenant's plan, the cheapest plan that includes it and the plan picker's path. The portal's error
  page turns that into an upgrade prompt ("Choose a plan"), the API into its error envelope.

A key outside the catalogue is a programming error (a typo would otherwise read as "not in plan"
for everyone), so both raise `KeyError` for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext, lazy_gettext
from sqlalchemy import select

from app.extensions import db
from app.models import Plan, Tenant
from app.services import beta_features, feature_flags
from app.services.errors import FeatureNotInPlan


@dataclass(frozen=True)
class Feature:
    """One feature a plan may include: its stable key and what the plan picker calls it."""

    key: str
    label: str
    description: str


CATALOGUE: dict[str, Feature] = {feature.key: feature for feature in (
    Feature("audit_export", lazy_gettext("Audit log export"), lazy_gettext("Download the audit log as CSV.")),
    Feature("webhooks", lazy_gettext("Webhooks"), lazy_gettext("Signed HTTP callbacks when something changes.")),
    Feature("custom_roles", lazy_gettext("Custom roles"), lazy_gettext("Roles made of the permissions you choose.")),
    Feature("sso", lazy_gettext("Single sign-on"), lazy_gettext("Sign in through OpenID Connect, SAML or LDAP.")),
    Feature("scim", lazy_gettext("SCIM provisioning"), lazy_gettext("Your directory creates and removes members.")),
)}
FEATURE_KEYS: tuple[str, ...] = tuple(CATALOGUE)


def feature(key: str) -> Feature:
    """The catalogue entry for `key`; `KeyError` for a key that is not in the catalogue."""
    if key not in CATALOGUE:
        raise KeyError(f"unknown feature {key!r}; the catalogue is {', '.join(FEATURE_KEYS)}")
    return CATALOGUE[key]


def plan_features(plan: Plan) -> list[Feature]:
    """The features `plan` includes, in catalogue order (keys no longer in the catalogue are ignored)."""
    included = set(plan.entitlements or ())
    return [item for key, item in CATALOGUE.items() if key in included]


def plan_entitlements(tenant: Tenant) -> frozenset[str]:
    """The feature keys the tenant's current plan includes."""
    return frozenset(key for key in (tenant.plan.entitlements or ()) if key in CATALOGUE)


def has_feature(tenant: Tenant, key: str) -> bool:
    """Whether the tenant's plan includes feature `key`."""
    feature(key)
    return key in plan_entitlements(tenant)


def cheapest_plan_with(key: str) -> Plan | None:
    """The cheapest plan that includes `key` (what an upgrade prompt offers), or None if none does."""
    feature(key)
    for plan in db.session.scalars(select(Plan).order_by(Plan.sort_order)):
        if key in (plan.entitlements or ()):
            return plan
    return None


def require_feature(tenant: Tenant, key: str) -> None:
    """Refuse with `FeatureNotInPlan` unless the tenant's plan includes feature `key`."""
    if has_feature(tenant, key):
        return
    wanted = feature(key)
    upgrade = cheapest_plan_with(key)
    if upgrade is not None:
        message = gettext("%(feature)s is not included in the %(plan)s plan; it is available on %(upgrade)s and up.",
                          feature=wanted.label, plan=tenant.plan.name, upgrade=upgrade.name)
    else:
        message = gettext("%(feature)s is not included in the %(plan)s plan.", feature=wanted.label,
                          plan=tenant.plan.name)
    raise FeatureNotInPlan(message, details={
        "feature": key, "plan": tenant.plan_code, "required_plan": upgrade.code if upgrade else None,
        "plan_path": f"/t/{tenant.slug}/plan"})


def evaluate(tenant: Tenant) -> dict[str, dict[str, bool]]:
    """What the tenant's own product asks (`GET /api/v1/tenants/current/features`, the OpenFeature
    provider): every catalogue feature with whether the plan includes it, and the tenant's flags.

    Flags are the betas the tenant switched on (`beta_features.enabled_keys`, each `true`) with the
    tenant's flag overrides in force now laid over them (`feature_flags.effective_flags`): an override
    of a beta's key wins, so the platform can still switch a beta off for one tenant. Both come from
    the access cache when warm, as do the tenant and its plan."""
    included = plan_entitlements(tenant)
    flags = {key: True for key in beta_features.enabled_keys(tenant)} | feature_flags.effective_flags(tenant)
    return {"entitlements": {key: key in included for key in FEATURE_KEYS},
            "flags": {key: bool(value) for key, value in sorted(flags.items())}}
